"""NATS down under load: the asset service keeps its updates in the durable outbox, publishes
them when NATS returns, and every portfolio instance catches up to exactly the prices written.

NATS is stopped (SIGSTOP) while three rounds of new prices are set for every traded asset: the
history and the cache take them at once, their stream messages wait in ``stream_outbox``, and so
do the position changes of the load's writes, which are acknowledged meanwhile. After NATS
continues, the outbox drains and each instance shows the last round's prices, from the
cache, as a run without the fault would.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, or_, select

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.db.models import StreamOutbox
from tests.reliability.load import (
    Stack,
    admin,
    everywhere,
    set_prices,
    steady_load,
    until,
)

pytestmark = pytest.mark.stack


async def test_updates_wait_in_the_outbox_and_consumers_catch_up(stack: Stack) -> None:
    boss = await admin(stack)
    engine = stack.engine()

    async def waiting(topic: str = "", symbols: Sequence[str] = ()) -> int:
        """Messages in the outbox, of ``topic`` only if given (writes add position changes),
        and only the manual prices of ``symbols`` if given (a refresh may run meanwhile)."""
        query = select(func.count()).select_from(StreamOutbox)
        if topic:
            query = query.where(StreamOutbox.subject.startswith(topic + "\x1f"))
        if symbols:
            query = query.where(
                or_(*(StreamOutbox.dedup_id.like(f"price:{s}:%:manual") for s in symbols))
            )
        async with engine.connect() as conn:
            return int(await conn.scalar(query) or 0)

    try:
        async with steady_load(stack) as load:
            user = {"Authorization": f"Bearer {load.users[0].token}"}
            symbols = sorted(load.symbols.values())
            await until(lambda: everywhere(stack, user, lambda b: len(b["holdings"]) > 0))
            start = await _after_held(stack, symbols)
            rounds = [
                {s: Decimal(200 + 10 * r + i) + Decimal("0.5") for i, s in enumerate(symbols)}
                for r in range(3)
            ]
            await until(lambda: _zero(waiting), within=40)
            pid = stack.faults.pid("nats")
            os.kill(pid, signal.SIGSTOP)
            try:
                for r, prices in enumerate(rounds):
                    await set_prices(stack, boss, prices, start + timedelta(seconds=r + 1))
                assert await waiting("prices", symbols) == 3 * len(symbols)
                assert await waiting("positions") > 0  # the load's writes went on meanwhile
            finally:
                os.kill(pid, signal.SIGCONT)
            await until(lambda: _zero(waiting), within=40)

            final = {s: str(p) for s, p in rounds[-1].items()}

            def caught_up(body: dict[str, Any]) -> bool:
                shown = {h["symbol"]: h["price"] for h in body["holdings"] if h["symbol"] in final}
                return (
                    bool(shown)
                    and all(final[s] == p for s, p in shown.items())
                    and (body["prices_from"] == "cache")
                )

            await until(lambda: everywhere(stack, user, caught_up), within=40)
    finally:
        await engine.dispose()


async def _after_held(stack: Stack, symbols: Sequence[str]) -> datetime:
    """Now, or later if an earlier test left a newer price of ``symbols`` in the cache: the
    rounds must be newer than what is held, or they would rightly be ignored."""
    redis = connect_redis(stack.ready["redis_url"])
    try:
        held = await PriceCache(redis).get_prices(list(symbols))
    finally:
        await redis.aclose()
    return max([datetime.now(UTC), *(q.as_of for q in held.values())])


async def _zero(count) -> bool:  # type: ignore[no-untyped-def]
    return await count() == 0
