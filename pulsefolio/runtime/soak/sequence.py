"""``pulsefolio faults``: one fault after another under write load, each recovered from before
the next, then the check that every acknowledged write is stored exactly once.

The load's users write through the gateway with an ``Idempotency-Key`` per intended write and
retry the same key, honouring ``Retry-After``, until acknowledged. Meanwhile a portfolio instance,
then Redis, then NATS is killed (SIGKILL; the supervisor starts each again). After each kill the
run waits until the server answers again and a write first sent after the kill is acknowledged
(``writes_resumed_after_s``), lets the platform settle, and goes on. Each step reports the
failed requests, the ``503`` answers and the longest time with no write acknowledged.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.settings import Settings
from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.ports import reachable
from pulsefolio.runtime.soak.check import check
from pulsefolio.runtime.soak.faults import Faults, Injected
from pulsefolio.runtime.soak.load import LoadDriver
from pulsefolio.runtime.soak.run import Report, platform_for

SEQUENCE = ("kill-portfolio", "kill-redis", "kill-nats")


@dataclass(frozen=True)
class SequenceOptions:
    users: int = 4
    settle: float = 3.0  # seconds of steady load before the first fault and after each recovery
    within: float = 30.0  # seconds a fault may take to recover from
    kinds: Sequence[str] = SEQUENCE


@dataclass
class Step:
    injected: Injected
    answering_after: float | None  # seconds from the kill until the server answered again
    writes_resumed_after: float | None  # until a write first sent after the kill was acked
    failed: int = 0  # failed requests from the kill until the next step
    unavailable: int = 0  # of them, 503 answers
    longest_write_gap: float = 0.0  # longest time with no write acknowledged, same window

    @property
    def recovered(self) -> bool:
        return self.answering_after is not None and self.writes_resumed_after is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.injected.as_dict(),
            "answering_after_s": _round(self.answering_after),
            "writes_resumed_after_s": _round(self.writes_resumed_after),
            "failed_requests": self.failed,
            "unavailable_503": self.unavailable,
            "longest_write_gap_s": round(self.longest_write_gap, 2),
        }


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


async def _answers(faults: Faults, name: str, host: str) -> bool:
    port = int(faults.components()[name]["port"])
    if not name.startswith("portfolio-"):
        return await asyncio.to_thread(reachable, host, port, 1) is None
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            answer = await client.get(f"http://{host}:{port}/api/v1/health")
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


async def _until(condition: Any, since: float, within: float) -> float | None:
    """Seconds from ``since`` until ``condition()`` holds, or None if not within."""
    while time.monotonic() - since < within:
        if await condition():
            return time.monotonic() - since
        await asyncio.sleep(0.1)
    return None


async def _step(
    driver: LoadDriver, faults: Faults, kind: str, began: float, options: SequenceOptions
) -> Step:
    seen = len(driver.stats.acked)
    killed = time.monotonic()
    injected = await faults.inject(kind, 0.0, began)

    def first_ack() -> float | None:
        """When the first write sent after the kill was acknowledged (acks come in order)."""
        after = (a.acked_at for a in driver.stats.acked[seen:] if a.sent_at >= killed)
        return next(after, None)

    async def resumed() -> bool:
        return first_ack() is not None

    answering, _ = await asyncio.gather(
        _until(lambda: _answers(faults, injected.target, "127.0.0.1"), killed, options.within),
        _until(resumed, killed, options.within),
    )
    acked = first_ack()
    return Step(injected, answering, None if acked is None else acked - killed)


def _window(driver: LoadDriver, step: Step, start: float, end: float) -> None:
    """Fill ``step``'s counts of what happened between ``start`` and ``end`` (monotonic)."""
    stats = driver.stats
    step.failed = sum(1 for t in stats.failed_at if start <= t < end)
    step.unavailable = sum(1 for t in stats.unavailable_at if start <= t < end)
    acks = sorted([start, *(a.acked_at for a in stats.acked if start <= a.acked_at < end), end])
    step.longest_write_gap = max(b - a for a, b in itertools.pairwise(acks))


async def fault_sequence(
    ready: dict[str, Any], ready_file: Path, options: SequenceOptions, report: Report
) -> dict[str, Any]:
    """Run the load and ``options.kinds`` in turn; return the report as a dict."""
    driver = LoadDriver(ready["gateway_url"], users=options.users, write_pause=0.1, read_pause=0.5)
    faults = Faults(ready_file)
    steps: list[Step] = []
    starts: list[float] = []
    try:
        await driver.setup()
        report(f"{options.users} users ready; faults in turn: {', '.join(options.kinds)}")
        stop = asyncio.Event()
        began = time.monotonic()
        load = asyncio.create_task(driver.run(stop))
        try:
            await asyncio.sleep(options.settle)
            for kind in options.kinds:
                starts.append(time.monotonic())
                steps.append(step := await _step(driver, faults, kind, began, options))
                report(f"{kind} {step.injected.target}: writes resumed after "
                       f"{step.writes_resumed_after} s")  # fmt: skip
                await asyncio.sleep(options.settle)
        finally:
            stop.set()
            await load
        ended = time.monotonic()
        database_url = with_database(ready["database_url"], driver=None)
        accounts = [u.account_id for u in driver.users]
        checked = await check(database_url, driver.stats.acked, accounts)
    finally:
        await driver.aclose()
    for step, start, end in zip(steps, starts, [*starts[1:], ended], strict=True):
        _window(driver, step, start, end)
    stats = driver.stats
    server_errors = stats.server_errors()
    recovered = len(steps) == len(options.kinds) and all(s.recovered for s in steps)
    return {
        "ok": checked.ok
        and recovered
        and stats.unavailable_without_retry_after == 0
        and server_errors == 0,
        "elapsed_seconds": round(ended - began, 1),
        "users": options.users,
        "every_fault_recovered": recovered,
        "acknowledged_writes_lost": len(checked.missing),
        "acknowledged_writes_duplicated": len(checked.duplicated),
        "server_errors": server_errors,
        "faults": [s.as_dict() for s in steps],
        "load": stats.summary(),
        "check": checked.summary(),
    }


def run_fault_sequence(
    settings: Settings, options: SequenceOptions, report: Report = print
) -> dict[str, Any]:
    """On the platform running on the data directory, or one started for the run."""
    with platform_for(settings, report) as ready:
        ready_file = Layout(settings.data_dir).ready_file
        return asyncio.run(fault_sequence(ready, ready_file, options, report))
