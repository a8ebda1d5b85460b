"""Helpers of the fault tests: the shared platform's addresses, a steady load that must lose
nothing, manual prices and direct reads from one instance."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.soak.check import check
from pulsefolio.runtime.soak.faults import Faults
from pulsefolio.runtime.soak.load import LoadDriver


@dataclass
class Stack:
    ready: dict[str, Any]
    data_dir: Path
    env: dict[str, str]

    @property
    def gateway(self) -> str:
        return str(self.ready["gateway_url"])

    @property
    def database_url(self) -> str:
        return with_database(self.ready["database_url"], driver=None)

    @property
    def faults(self) -> Faults:
        return Faults(self.data_dir / "ready.json")

    def port(self, name: str) -> int:
        return int(self.faults.components()[name]["port"])

    def engine(self) -> AsyncEngine:
        return create_async_engine(with_database(self.ready["database_url"]), poolclass=NullPool)


async def until(condition: Callable[[], Awaitable[bool]], within: float = 30.0) -> float:
    """Seconds until ``condition()`` holds; fails after ``within``."""
    began = time.monotonic()
    while not await condition():
        assert time.monotonic() - began < within, "condition not met in time"
        await asyncio.sleep(0.2)
    return time.monotonic() - began


@asynccontextmanager
async def steady_load(stack: Stack, users: int = 3) -> AsyncIterator[LoadDriver]:
    """Writes and reads through the gateway for the block; then every acknowledged write
    must be stored exactly once and positions must equal the transactions."""
    driver = LoadDriver(stack.gateway, users=users, write_pause=0.1, read_pause=0.1)
    await driver.setup()
    stop = asyncio.Event()
    task = asyncio.create_task(driver.run(stop))
    try:
        yield driver
    finally:
        stop.set()
        await task
        await driver.aclose()
    report = await check(
        stack.database_url, driver.stats.acked, [u.account_id for u in driver.users]
    )
    assert report.ok, report.summary()
    assert report.acknowledged > 0


async def login(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    answer = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def admin(stack: Stack) -> dict[str, str]:
    """An administrator's headers (log in before a fault: login counts attempts in Redis)."""
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        return await login(client, "admin@pulsefolio.dev", stack.ready["demo_password"])


async def set_prices(
    stack: Stack, headers: dict[str, str], prices: dict[str, Decimal], as_of: datetime | None = None
) -> dict[str, Any]:
    """Manual prices through the gateway, as an administrator; the asset service's answer."""
    when = (as_of or datetime.now(UTC)).isoformat()
    rows = [{"symbol": s, "price": str(p), "as_of": when} for s, p in prices.items()]
    async with httpx.AsyncClient(base_url=stack.gateway, timeout=30) as client:
        answer = await client.put(
            "/api/v1/market/manual-prices", json={"prices": rows}, headers=headers
        )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def holding(body: dict[str, Any], symbol: str) -> dict[str, Any]:
    """The row of ``symbol`` in a portfolio answer (empty if the user does not hold it)."""
    return next((h for h in body["holdings"] if h["symbol"] == symbol), {})


async def everywhere(
    stack: Stack, headers: dict[str, str], test: Callable[[dict[str, Any]], bool]
) -> bool:
    """True if every portfolio instance's answer passes ``test``."""
    names = stack.faults.portfolio_names()
    try:
        bodies = [await portfolio_at(stack, name, headers) for name in names]
    except (httpx.HTTPError, AssertionError):
        return False
    return all(test(body) for body in bodies)


async def held_symbol(stack: Stack, headers: dict[str, str]) -> str:
    """A symbol the user holds, once every instance shows a holding."""
    await until(lambda: everywhere(stack, headers, lambda body: bool(body["holdings"])))
    return str((await portfolio_at(stack, "portfolio-1", headers))["holdings"][0]["symbol"])


async def portfolio_at(stack: Stack, instance: str, headers: dict[str, str]) -> dict[str, Any]:
    """``GET /api/v1/portfolio`` from one instance directly, bypassing the gateway."""
    url = f"http://127.0.0.1:{stack.port(instance)}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        answer = await client.get("/api/v1/portfolio", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())
