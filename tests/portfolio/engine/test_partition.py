"""Users partitioned over instances: each loads only the users it owns (id mod instances), serves
another's users while their owner is down, and forgets them once idle."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from engine.fixtures import (  # tests/portfolio/engine (rootdir-relative test package)
    CACHED_QUOTES,
    CACHED_RATES,
    announce,
    make_account,
    make_user,
    seed,
    set_cash,
    set_position,
    wait_for,
)
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.partition import Partition, owner_of
from pulsefolio.portfolio.engine import load_engine


async def users_with_books(db: AsyncEngine, count: int, asset: int) -> list[int]:
    users = []
    async with db.begin() as conn:
        for n in range(count):
            user = await make_user(conn, f"p{n}@example.com", "USD")
            account = await make_account(conn, user, "broker", "USD")
            await set_position(conn, account, asset, str(n + 1), "100")
            await set_cash(conn, account, "USD", "50")
            users.append(user)
    return users


class TestLoading:
    async def test_each_partition_loads_exactly_its_users(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        users = [book.user_id, *await users_with_books(db, 5, book.assets["AAPL"])]
        everyone = await load_engine(db, cache)
        assert all(everyone.holds(u) for u in users)
        for index in (0, 1):
            engine = await load_engine(db, cache, Partition(index, 2))
            owned = [u for u in users if owner_of(u, 2) == index]
            assert owned and [u for u in users if engine.holds(u)] == owned
            for user in owned:  # the same positions and cash as the whole load
                mine, whole = engine.book(user), everyone.book(user)
                assert mine is not None and whole is not None
                assert (mine.holdings, mine.cash) == (whole.holdings, whole.cash)


def live_of(server: Any) -> Any:
    return server.server.lifespan.state["live"]


class TestVisitors:
    async def test_another_instances_user_is_served_then_forgotten_when_idle(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache, stream
    ) -> None:
        owner_settings = settings.model_copy(update={"portfolio_instances": 2})
        users = [await make_user(base_currency="EUR") for _ in range(2)]
        eve = next(u for u in users if owner_of(u.id, 2) == 1)
        await seed(db, cache, eve.id)
        # instance 0 does not own eve: it loads her on her first request (her owner is down)
        app = await start_app("shard-0", owner_settings.model_copy(update={"portfolio_shard": 0}))
        live = live_of(app)
        assert not live.engine.holds(eve.id)
        eve.client.base_url = app.base_url
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        assert live.engine.holds(eve.id)
        assert live.evict_visitors(idle=3600) == []
        # reads answered on the fast path (cached answer, no framework) count as visits too
        await asyncio.sleep(0.3)
        assert (await eve.client.get("/api/v1/portfolio")).status_code == 200
        assert live.evict_visitors(idle=0.25) == []
        assert live.evict_visitors(idle=0) == [eve.id]
        assert not live.engine.holds(eve.id)
        # served again from a fresh load, with the same figures
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
