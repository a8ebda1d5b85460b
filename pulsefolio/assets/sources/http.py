"""HTTP plumbing shared by the adapters: retries, backoff, rate limits, key hygiene.

Every adapter is handed an ``httpx.AsyncClient`` and a base URL, so tests aim it at a local
server. :class:`HttpSource` is what every HTTP adapter shares: that constructor, the source's
default pace, and reading an answer; the adapter keeps only the provider's paths and body
layout. :class:`ProviderHttp` wraps the client: each GET waits for the source's token bucket, is
bounded by a timeout, and is retried with exponential backoff and full jitter on timeouts,
connection errors and 5xx answers. A 4xx, or a body that says the call can never succeed (a
premium-only endpoint), is returned to the adapter at once: repeating it only burns quota.

API keys are constructor arguments. They are registered here so a logging filter blanks them
out of httpx's request log lines, and error messages name the path only, never the query.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from pulsefolio.assets.sources.base import Source, utc_now
from pulsefolio.assets.sources.errors import MalformedResponse, RateLimited, SourceUnavailable

T = TypeVar("T")

_SECRETS: set[str] = set()


class _RedactSecrets(logging.Filter):
    """Blank registered API keys out of log records (httpx logs every request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            redacted = message
            for secret in _SECRETS:
                redacted = redacted.replace(secret, "***")
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


_FILTER = _RedactSecrets()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_FILTER)


def register_secret(secret: str | None) -> None:
    """Keep ``secret`` out of httpx's log lines from now on."""
    if secret:
        _SECRETS.add(secret)


@dataclass(frozen=True, slots=True)
class HttpPolicy:
    """Timeout and retry settings; tests shrink them to keep the suite fast."""

    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 0.5  # first retry waits up to this many seconds, doubling after
    max_backoff: float = 8.0


class TokenBucket:
    """An async token bucket: ``rate`` requests per second on average, bursts up to ``burst``."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = burst
        self._last = clock()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until a request may go out, then take its token."""
        async with self._lock:  # first come, first served
            while True:
                now = self._clock()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self.rate)


class ProviderHttp:
    """GETs against one provider, with the policy, rate limit and secrets of that source."""

    def __init__(
        self,
        source: str,
        client: httpx.AsyncClient,
        base_url: str,
        *,
        policy: HttpPolicy | None = None,
        limiter: TokenBucket | None = None,
        secrets: Iterable[str | None] = (),
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.source = source
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.policy = policy or HttpPolicy()
        self.limiter = limiter
        self._rng = rng or random.Random()
        self._sleep = sleep
        for secret in secrets:
            register_secret(secret)

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """The first answer below 500; raises SourceUnavailable once every attempt failed."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        failure: httpx.HTTPError | None = None
        for attempt in range(self.policy.attempts):
            if attempt:
                ceiling = min(self.policy.max_backoff, self.policy.backoff * 2 ** (attempt - 1))
                await self._sleep(self._rng.uniform(0, ceiling))  # full jitter
            if self.limiter is not None:
                await self.limiter.acquire()
            try:
                response = await self.client.get(
                    url, params=params, headers=headers, timeout=self.policy.timeout
                )
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                failure = exc
                continue
            if response.status_code < 500:
                return response
            # Built by hand: httpx's own message would quote the URL, API key included.
            failure = httpx.HTTPStatusError(
                f"HTTP {response.status_code}", request=response.request, response=response
            )
        status = isinstance(failure, httpx.HTTPStatusError)
        reason = str(failure) if status else type(failure).__name__
        raise SourceUnavailable(
            f"{self.source}: {path} failed {self.policy.attempts} times, last: {reason}"
        ) from failure


class HttpSource(Source):
    """An adapter that asks one provider over HTTP, with its client, key, pace and clock.

    Subclasses set ``name``, ``default_base_url``, their default pace (``rate`` requests a
    second, bursts of ``burst``) and ``needs_key``. ``api_key`` is positional, as the catalogue
    passes it; it is registered as a secret and kept in ``api_key`` for the provider's header
    or parameter. ``clock`` stamps each answer's fetch time.
    """

    default_base_url = ""
    rate = 1.0
    burst = 1.0
    needs_key = False

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        policy: HttpPolicy | None = None,
        limiter: TokenBucket | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if self.needs_key and not api_key:
            raise ValueError(f"{self.name} needs an API key")
        self.api_key = api_key or ""
        self.http = ProviderHttp(
            self.name,
            client,
            base_url or self.default_base_url,
            policy=policy,
            limiter=limiter or TokenBucket(self.rate, burst=self.burst),
            secrets=[api_key],
        )
        self.clock = clock

    async def get_json(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[httpx.Response, Any]:
        """The answer and its body read by :func:`parse_json`; a 429 raises RateLimited."""
        response = await self.http.get(path, params, headers)
        if response.status_code == 429:
            raise_rate_limited(response, self.name)
        return response, parse_json(response, self.name)

    async def get_ok(self, path: str) -> httpx.Response:
        """The answer to a GET that must be a 200 (a published file); else MalformedResponse."""
        response = await self.http.get(path)
        if response.status_code != 200:
            raise self.unexpected(response)
        return response

    def unexpected(self, response: httpx.Response) -> MalformedResponse:
        return MalformedResponse(f"{self.name}: unexpected HTTP {response.status_code}")


def parse_json(response: httpx.Response, source: str) -> Any:
    """The body as JSON with every number a Decimal (never a float); else MalformedResponse."""
    try:
        return json.loads(response.content, parse_float=Decimal, parse_constant=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        status = response.status_code
        raise MalformedResponse(f"{source}: body is not JSON (HTTP {status})") from exc


def retry_after(response: httpx.Response, default: float = 60.0) -> float:
    """Seconds to wait from a Retry-After header (seconds or HTTP date), else ``default``."""
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utc_now()).total_seconds())
    except (TypeError, ValueError):
        return default


def raise_rate_limited(response: httpx.Response, source: str, default: float = 60.0) -> None:
    """Raise RateLimited for a 429, chained to an HTTPStatusError naming no URL."""
    error = httpx.HTTPStatusError("HTTP 429", request=response.request, response=response)
    wait = retry_after(response, default)
    raise RateLimited(f"{source}: rate limited, retry after {wait:.0f}s", wait) from error


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Run concurrently, in order; on the first failure cancel the rest and raise it as is."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_wrap(item)) for item in awaitables]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0]  # noqa: B904 - its own cause (the httpx error) is kept
    return [task.result() for task in tasks]


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable
