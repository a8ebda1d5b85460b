"""A steady load of writes and reads through the gateway, recording what was acknowledged.

Each user has a writer and a reader. The writer posts small BUY transactions, each with its own
``Idempotency-Key``, and retries the same request (same key) on any failure until the platform
answers 2xx: only then is it *acknowledged* and recorded. An answer's ``Retry-After`` sets the
wait before the retry, as a careful client does; without one the wait doubles from 0.2 s to 2 s.
A write still unanswered when the run ends is left out of the record (it may or may not be
stored; the checks allow both, but never twice). The reader asks for the portfolio and counts
answers, failures and price origins. Every ``503`` is counted, with whether it came from the
gateway itself (no instance answered) and whether it said ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

PASSWORD = "soak-password-1234"  # noqa: S105 (throwaway users of a test run)
TIMEOUT = httpx.Timeout(5.0)
RETRY_AFTER_CAP = 30.0  # seconds; a longer Retry-After is waited this long


@dataclass(frozen=True, slots=True)
class Acked:
    key: str
    user_id: int
    account_id: int
    asset_id: int
    quantity: Decimal
    sent_at: float = 0.0  # monotonic time of the first attempt
    acked_at: float = 0.0  # monotonic time of the 2xx


@dataclass
class LoadStats:
    acked: list[Acked] = field(default_factory=list)
    attempts: int = 0
    retried: int = 0
    unacknowledged: int = 0
    reads_ok: int = 0
    reads_failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    failed_at: list[float] = field(default_factory=list)  # monotonic times of failed requests
    holding_origins: Counter[str] = field(default_factory=Counter)
    prices_from: Counter[str] = field(default_factory=Counter)
    longest_write_wait: float = 0.0
    unavailable: int = 0  # 503 answers
    unavailable_from_gateway: int = 0  # of them, the gateway's own: no instance answered
    unavailable_without_retry_after: int = 0
    unavailable_at: list[float] = field(default_factory=list)  # monotonic times of the 503s

    def failed(self, what: str) -> None:
        self.failures[what] += 1
        self.failed_at.append(time.monotonic())

    def refused(self, what: str, response: httpx.Response) -> float | None:
        """Count a non-2xx answer; return the seconds its ``Retry-After`` asks for, if any."""
        self.failed(f"{what} {response.status_code}")
        wait = retry_after(response)
        if response.status_code == 503:
            self.unavailable += 1
            self.unavailable_at.append(time.monotonic())
            # Envoy adds this header to what an upstream answered, never to its own replies
            if "x-envoy-upstream-service-time" not in response.headers:
                self.unavailable_from_gateway += 1
            if wait is None:
                self.unavailable_without_retry_after += 1
        return wait

    @property
    def requests(self) -> int:
        return self.attempts + self.reads_ok + self.reads_failed

    def server_errors(self) -> int:
        """Answers 5xx other than 503: a server failing, not one saying to come back."""
        statuses = ((what.rsplit(" ", 1)[-1], n) for what, n in self.failures.items())
        return sum(n for status, n in statuses if status.startswith("5") and status != "503")

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "writes_acknowledged": len(self.acked),
            "write_attempts": self.attempts,
            "write_retries": self.retried,
            "writes_unacknowledged_at_end": self.unacknowledged,
            "longest_write_wait_seconds": round(self.longest_write_wait, 2),
            "reads_ok": self.reads_ok,
            "reads_failed": self.reads_failed,
            "failures": dict(self.failures.most_common(8)),
            "unavailable_503": self.unavailable,
            "unavailable_503_from_gateway": self.unavailable_from_gateway,
            "unavailable_503_without_retry_after": self.unavailable_without_retry_after,
            "server_errors": self.server_errors(),
            "prices_from": dict(self.prices_from),
            "holding_price_origins": dict(self.holding_origins),
        }


@dataclass
class User:
    email: str
    id: int = 0
    account_id: int = 0
    token: str = ""


class LoadDriver:
    """``users`` users writing every ``write_pause`` s and reading every ``read_pause`` s."""

    def __init__(
        self,
        gateway_url: str,
        *,
        users: int = 4,
        write_pause: float = 0.25,
        read_pause: float = 0.25,
        retry_for: float = 120.0,
    ) -> None:
        self.client = httpx.AsyncClient(base_url=gateway_url, timeout=TIMEOUT)
        self.users = [User(f"soak-{uuid.uuid4().hex[:12]}@example.org") for _ in range(users)]
        self.write_pause = write_pause
        self.read_pause = read_pause
        self.retry_for = retry_for
        self.stats = LoadStats()
        self.asset_ids: list[int] = []
        self.symbols: dict[int, str] = {}
        self._random = random.Random(7)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def _call(self, method: str, path: str, user: User | None, **kw: Any) -> httpx.Response:
        headers = kw.pop("headers", {})
        if user is not None:
            headers["Authorization"] = f"Bearer {user.token}"
        response = await self.client.request(method, f"/api/v1{path}", headers=headers, **kw)
        if response.status_code == 401 and user is not None:  # the access token expired
            await self._login(user)
            headers["Authorization"] = f"Bearer {user.token}"
            response = await self.client.request(method, f"/api/v1{path}", headers=headers, **kw)
        return response

    async def _login(self, user: User) -> None:
        body = {"email": user.email, "password": PASSWORD}
        user.token = (await self._until_ok("POST", "/auth/login", None, json=body))["access_token"]

    async def _until_ok(self, method: str, path: str, user: User | None, **kw: Any) -> Any:
        """Set-up calls: retried for a while, since set-up may meet a fault too."""
        deadline = time.monotonic() + 60
        while True:
            try:
                response = await self._call(method, path, user, **kw)
                if response.is_success:
                    return response.json()
                if response.status_code < 500 and response.status_code != 429:
                    response.raise_for_status()
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path} kept failing during set-up")
            await asyncio.sleep(0.5)

    async def setup(self) -> None:
        """Register and log in every user, open an account each, pick the assets to buy."""
        for user in self.users:
            body = {"email": user.email, "password": PASSWORD}
            user.id = int((await self._until_ok("POST", "/auth/register", None, json=body))["id"])
            await self._login(user)
            account = {"name": "soak", "currency": "USD"}
            user.account_id = int(
                (await self._until_ok("POST", "/accounts", user, json=account))["id"]
            )
        found = await self._until_ok("GET", "/assets", self.users[0], params={"limit": 50})
        items = found["items"] if isinstance(found, dict) else found
        chosen = [a for a in items if a.get("asset_class") != "cash"][:5]
        self.asset_ids = [a["id"] for a in chosen]
        self.symbols = {a["id"]: a["symbol"] for a in chosen}
        if not self.asset_ids:
            raise RuntimeError("no assets to trade: seed the platform first")

    async def write_once(self, user: User, stop_retrying: float) -> Acked | None:
        """One BUY, retried with its key until acknowledged or ``stop_retrying`` (monotonic)."""
        key = uuid.uuid4().hex
        asset = self._random.choice(self.asset_ids)
        quantity = Decimal(self._random.randint(1, 40)) / 4
        body = {
            "type": "BUY", "asset_id": asset, "quantity": str(quantity), "price": "10",
            "fee": "0", "executed_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        }  # fmt: skip
        started, pause = time.monotonic(), 0.2
        while True:
            self.stats.attempts += 1
            try:
                response = await self._call(
                    "POST", f"/accounts/{user.account_id}/transactions", user,
                    json=body, headers={"Idempotency-Key": key},
                )  # fmt: skip
                if response.is_success:
                    now = time.monotonic()
                    waited = now - started
                    self.stats.longest_write_wait = max(self.stats.longest_write_wait, waited)
                    acked = Acked(key, user.id, user.account_id, asset, quantity, started, now)
                    self.stats.acked.append(acked)
                    return acked
                asked = self.stats.refused("write", response)
            except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: no new login
                self.stats.failed(f"write {type(exc).__name__}")
                asked = None
            if time.monotonic() > stop_retrying:
                self.stats.unacknowledged += 1
                return None
            self.stats.retried += 1
            await asyncio.sleep(pause if asked is None else min(asked, RETRY_AFTER_CAP))
            pause = min(pause * 2, 2.0)

    async def read_once(self, user: User) -> dict[str, Any] | None:
        try:
            response = await self._call("GET", "/portfolio", user)
        except (httpx.HTTPError, RuntimeError) as exc:
            self.stats.reads_failed += 1
            self.stats.failed(f"read {type(exc).__name__}")
            return None
        if not response.is_success:
            self.stats.reads_failed += 1
            self.stats.refused("read", response)
            return None
        self.stats.reads_ok += 1
        body: dict[str, Any] = response.json()
        self.stats.prices_from[str(body.get("prices_from"))] += 1
        for holding in body.get("holdings", []):
            self.stats.holding_origins[str(holding.get("price_origin"))] += 1
        return body

    async def _writer(self, user: User, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.write_once(user, time.monotonic() + self.retry_for)
            await asyncio.sleep(self.write_pause)

    async def _reader(self, user: User, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.read_once(user)
            await asyncio.sleep(self.read_pause)

    async def run(self, stop: asyncio.Event) -> None:
        """Write and read until ``stop`` is set; a write in flight then finishes its retries."""
        tasks = [self._writer(u, stop) for u in self.users] + [
            self._reader(u, stop) for u in self.users
        ]
        await asyncio.gather(*tasks)


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the answer's ``Retry-After`` asks to wait (delta-seconds or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when.replace(tzinfo=when.tzinfo or UTC) - datetime.now(UTC)).total_seconds())
