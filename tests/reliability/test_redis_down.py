"""Redis down under load: valuations go on from PostgreSQL, marked so; when Redis returns the
cache is rebuilt from the price history and answers come from the cache again.

First Redis is stopped (SIGSTOP: it accepts nothing and answers nothing) while a new price is
set: every instance answers from the stored prices (``prices_from`` and each holding's
``price_origin`` say ``database``) including that new price. Then it is killed (SIGKILL) and
the supervisor restarts it: the asset service rebuilds the cache, which ends equal to the latest
stored price of every asset. Last, ``pulsefolio cache rebuild`` fills an empty cache.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache, connect_redis, stored_latest
from tests.cli.stack import REPO, pulsefolio
from tests.reliability.load import (
    Stack,
    admin,
    everywhere,
    held_symbol,
    holding,
    portfolio_at,
    set_prices,
    steady_load,
    until,
)

pytestmark = pytest.mark.stack


async def _cache_matches_history(engine: AsyncEngine, cache: PriceCache) -> bool:
    try:
        held = await cache.get_prices()
    except Exception:
        return False
    stored, _ = await stored_latest(engine)
    return {q.symbol: (q.price, q.as_of) for q in stored} == {
        s: (q.price, q.as_of) for s, q in held.items()
    }


async def test_valuations_continue_from_the_database_and_return_to_the_cache(
    stack: Stack,
) -> None:
    boss = await admin(stack)
    redis = connect_redis(stack.ready["redis_url"])
    engine = stack.engine()
    try:
        async with steady_load(stack) as load:
            user = {"Authorization": f"Bearer {load.users[0].token}"}
            symbol = await held_symbol(stack, user)
            await set_prices(stack, boss, {symbol: Decimal("101.25")})

            def shows(price: str, origin: str):  # type: ignore[no-untyped-def]
                def test(body):  # type: ignore[no-untyped-def]
                    row = holding(body, symbol)
                    return (
                        row["price"] == price
                        and row["price_origin"] == origin
                        and (body["prices_from"] == origin)
                    )

                return lambda: everywhere(stack, user, test)

            await until(shows("101.25", "cache"))

            pid = stack.faults.pid("redis")
            os.kill(pid, signal.SIGSTOP)
            try:
                await until(shows("101.25", "database"), within=20)
                await set_prices(stack, boss, {symbol: Decimal("102.5")})
                await until(shows("102.5", "database"), within=20)
                assert not any(
                    h["price_origin"] == "cache"
                    for h in (await _first(stack, user))["holdings"]
                    if h["price"] is not None
                )
            finally:
                os.kill(pid, signal.SIGCONT)
            await until(shows("102.5", "cache"), within=30)

            assert await stack.faults.kill("redis") is not None
            await until(lambda: _cache_matches_history(engine, PriceCache(redis)), within=30)
            await until(shows("102.5", "cache"), within=30)

        # `pulsefolio cache rebuild` into a namespace no service writes, so all of it is its work
        namespace = "rebuilt-by-cli"
        rebuilt = await asyncio.to_thread(
            subprocess.run, pulsefolio("cache", "rebuild"),
            env={**stack.env, "PULSEFOLIO_NAMESPACE": namespace}, cwd=REPO,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert await _cache_matches_history(engine, PriceCache(redis, namespace))
        stored, rates = await stored_latest(engine)
        assert f"{len(stored)} prices ({len(stored)} updated)" in rebuilt.stdout
        assert f"{len(rates)} FX rates ({len(rates)} updated)" in rebuilt.stdout
    finally:
        await redis.aclose()
        await engine.dispose()


async def _first(stack: Stack, user: dict[str, str]) -> dict[str, Any]:
    return await portfolio_at(stack, stack.faults.portfolio_names()[0], user)
