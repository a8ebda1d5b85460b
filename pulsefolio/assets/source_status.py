"""How each market-data source has been doing: a small circuit breaker with counters.

After ``failure_threshold`` consecutive whole-source failures a source is marked unhealthy for
``cooldown`` seconds and is not asked (nor are its quotes written) until the cool-down ends; then
it gets one trial call, and one more failure shuts it out again. A provider that throttles us
with a ``retry_after`` or rejects our key is shut out at once, since asking again cannot help.
Per-symbol errors (an unknown ticker) say nothing about the source and do not trip the breaker.

A snapshot's ``state`` says how the source is doing (see :meth:`SourceStatus.state`);
``healthy`` is that state being ``healthy``, and ``available`` is the breaker letting calls
through, which a source that never answered still does.

Snapshots are plain dicts so they can be cached in Redis and shown by any asset-service process,
the CLI and the metrics page alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pulsefolio.assets.sources.errors import RateLimited, SourceAuthError

# Exponential moving average weight of the newest latency sample.
_LATENCY_WEIGHT = 0.3


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class SourceStatus:
    name: str
    consecutive_failures: int = 0
    successes: int = 0
    failures: int = 0
    symbol_errors: int = 0
    rejected: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    last_success: datetime | None = None
    last_failure: datetime | None = None
    last_error: str | None = None
    latency_seconds: float | None = None
    latency_avg_seconds: float | None = None
    unhealthy_until: float = 0.0  # monotonic clock

    def state(self, remaining: float) -> str:
        """``cooling_down`` while shut out; else ``unused`` before any call, ``never_succeeded``
        after failures only, ``failing`` while its latest calls fail, ``healthy`` otherwise."""
        if remaining > 0.0:
            return "cooling_down"
        if self.successes == 0:
            return "never_succeeded" if self.failures else "unused"
        return "failing" if self.consecutive_failures else "healthy"

    def snapshot(self, monotonic_now: float, wall_now: datetime) -> dict[str, Any]:
        remaining = max(0.0, self.unhealthy_until - monotonic_now)
        state = self.state(remaining)
        return {
            "name": self.name,
            "state": state,
            "healthy": state == "healthy",
            "available": remaining == 0.0,
            "unhealthy_for_seconds": round(remaining, 3),
            "consecutive_failures": self.consecutive_failures,
            "successes": self.successes,
            "failures": self.failures,
            "symbol_errors": self.symbol_errors,
            "rejected": self.rejected,
            "errors": dict(self.errors),
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "last_failure": self.last_failure.isoformat() if self.last_failure else None,
            "last_error": self.last_error,
            "latency_seconds": self.latency_seconds,
            "latency_avg_seconds": self.latency_avg_seconds,
            "as_of": wall_now.isoformat(),
        }


class SourceHealth:
    """Tracks every source by name; the selection asks it who may be called."""

    def __init__(
        self,
        *,
        failure_threshold: int = 3,
        cooldown: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._monotonic = monotonic
        self._clock = clock
        self._sources: dict[str, SourceStatus] = {}

    def status(self, name: str) -> SourceStatus:
        if name not in self._sources:
            self._sources[name] = SourceStatus(name)
        return self._sources[name]

    def healthy(self, name: str) -> bool:
        return self.status(name).unhealthy_until <= self._monotonic()

    def _latency(self, status: SourceStatus, seconds: float) -> None:
        status.latency_seconds = round(seconds, 6)
        previous = status.latency_avg_seconds
        average = seconds if previous is None else previous + _LATENCY_WEIGHT * (seconds - previous)
        status.latency_avg_seconds = round(average, 6)

    def success(self, name: str, latency: float, symbol_errors: int = 0) -> None:
        status = self.status(name)
        status.successes += 1
        status.consecutive_failures = 0
        status.unhealthy_until = 0.0
        status.symbol_errors += symbol_errors
        status.last_success = self._clock()
        self._latency(status, latency)

    def failure(self, name: str, error: BaseException, latency: float | None = None) -> None:
        status = self.status(name)
        kind = type(error).__name__
        status.failures += 1
        status.consecutive_failures += 1
        status.errors[kind] = status.errors.get(kind, 0) + 1
        status.last_failure = self._clock()
        status.last_error = f"{kind}: {error}"[:300]
        if latency is not None:
            self._latency(status, latency)
        shut_out = 0.0
        if status.consecutive_failures >= self.failure_threshold:
            shut_out = self.cooldown
        if isinstance(error, RateLimited):
            shut_out = max(shut_out, error.retry_after)
        elif isinstance(error, SourceAuthError):
            shut_out = max(shut_out, self.cooldown)
        if shut_out:
            status.unhealthy_until = self._monotonic() + shut_out

    def reject(self, name: str, count: int = 1) -> None:
        """Count quotes the selection refused (outliers, bad numbers): a lying source shows."""
        self.status(name).rejected += count

    def snapshot(self) -> list[dict[str, Any]]:
        monotonic_now, wall_now = self._monotonic(), self._clock()
        return [self._sources[n].snapshot(monotonic_now, wall_now) for n in sorted(self._sources)]
