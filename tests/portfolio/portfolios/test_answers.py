"""Cached portfolio answers: the same bytes as a fresh valuation until something they show moves.

The cache's counters come from the bench-mode status route, so these apps run in bench mode.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.fixtures import (  # tests/portfolio/engine (rootdir-relative test package)
    CACHED_QUOTES,
    CACHED_RATES,
    announce,
    quote,
    seed,
    wait_for,
)

from pulsefolio.core.domain import Role


async def bench_app(start_app: Any, settings: Any, **changes: Any) -> Any:
    return await start_app("answers", settings.model_copy(update={"bench_mode": True, **changes}))


async def counters(admin: Any) -> dict[str, int]:
    status = await admin.client.get("/api/v1/bench/status")
    assert status.status_code == 200, status.text
    return status.json()["answers"]  # type: ignore[no-any-return]


def without_account(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("account_id", "allocation")}


class TestAnswerCache:
    async def test_repeated_reads_are_hits_with_the_exact_answer(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache, stream
    ) -> None:
        app = await bench_app(start_app, settings)
        eve = await make_user(base_currency="EUR", server=app)
        admin = await make_user(role=Role.ADMIN, server=app)
        book = await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        first = await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        before = await counters(admin)
        bodies = [(await eve.client.get("/api/v1/portfolio")).content for _ in range(5)]
        after = await counters(admin)
        assert after["hits"] - before["hits"] == 5
        assert after["misses"] == before["misses"]
        assert len(set(bodies)) == 1
        # The account route is valued afresh on every call: the cached whole-portfolio answer
        # equals it wherever the two answers mean the same thing.
        for account in (book.us_account, book.uk_account):
            fresh = (await eve.client.get(f"/api/v1/accounts/{account}/portfolio")).json()
            for row in fresh["holdings"]:
                cached_row = next(r for r in first["holdings"] if r["symbol"] == row["symbol"])
                same = ("price", "value", "value_base", "cost_basis_base", "unrealized_gain")
                assert {k: cached_row[k] for k in same} == {k: row[k] for k in same}

    async def test_a_held_price_move_is_served_at_once_and_others_keep_the_answer(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, make_asset, db, cache, stream
    ) -> None:
        app = await bench_app(start_app, settings)
        eve = await make_user(base_currency="EUR", server=app)
        admin = await make_user(role=Role.ADMIN, server=app)
        await seed(db, cache, eve.id)
        await make_asset("MSFT")
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        later = datetime.now(UTC) + timedelta(seconds=1)
        await announce(stream, [quote("MSFT", "400", "399", "USD", later)], [])
        await asyncio.sleep(0.5)
        before = await counters(admin)
        assert (await eve.client.get("/api/v1/portfolio")).json()["total_value"] == "6800.00"
        assert (await counters(admin))["hits"] == before["hits"] + 1
        # AAPL 15 × 80 → 15 × 90 USD: +150 USD = +120 EUR.
        await announce(stream, [quote("AAPL", "90", "78", "USD", later)], [])
        await wait_for(eve.client, "/api/v1/portfolio", "6920.00")

    async def test_what_the_owner_changes_is_served_at_once(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache, stream
    ) -> None:
        """An account renamed, a base currency changed: the next answers show it within
        seconds, long before the backstop (one refresh interval, here an hour) would."""
        app = await bench_app(start_app, settings, refresh_interval=3600.0)
        eve = await make_user(base_currency="EUR", server=app)
        book = await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        assert (await eve.client.get("/api/v1/portfolio")).status_code == 200  # now cached

        renamed = await eve.client.patch(
            f"/api/v1/accounts/{book.uk_account}", json={"name": "ISA"}
        )
        assert renamed.status_code == 200, renamed.text

        async def names() -> set[str]:
            body = (await eve.client.get("/api/v1/portfolio")).json()
            return {a["name"] for a in body["allocation"]["account"]}

        for _ in range(100):
            if "ISA" in await names():
                break
            await asyncio.sleep(0.05)
        assert await names() == {"US broker", "ISA"}

        # A new base currency rewrites the positions from the transactions (the seed wrote
        # positions only), so this part holds one bought through the API.
        max_ = await make_user(base_currency="EUR", server=app)
        account = (
            await max_.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
        ).json()["id"]
        bought = await max_.client.post(f"/api/v1/accounts/{account}/transactions", json={
            "type": "BUY", "asset_id": book.assets["AAPL"], "quantity": "10", "price": "75",
            "executed_at": datetime.now(UTC).isoformat()})  # fmt: skip
        assert bought.status_code == 201, bought.text
        # 10 × 80 USD at EURUSD 1.25
        await wait_for(max_.client, "/api/v1/portfolio", "640.00")
        changed = await max_.client.patch("/api/v1/me", json={"base_currency": "USD"})
        assert changed.status_code == 200, changed.text
        body = await wait_for(max_.client, "/api/v1/portfolio", "800.00")
        assert body["base_currency"] == "USD"

    async def test_an_answer_turns_stale_when_its_price_does(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache, stream
    ) -> None:
        """With a 1-second refresh interval a price is stale 2 s after its as-of time: a
        cached answer must not keep saying it is fresh."""
        app = await bench_app(start_app, settings, refresh_interval=1.0)
        eve = await make_user(base_currency="EUR", server=app)
        await seed(db, cache, eve.id)
        assert (await eve.client.get("/api/v1/portfolio")).status_code == 200  # loads the book
        as_of = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        await announce(stream, [quote("AAPL", "81", "78", "USD", as_of)], CACHED_RATES)

        async def aapl() -> dict[str, Any]:
            body = (await eve.client.get("/api/v1/portfolio")).json()
            return next(r for r in body["holdings"] if r["symbol"] == "AAPL")  # type: ignore[no-any-return]

        for _ in range(40):
            if (await aapl())["price"] == "81":
                break
            await asyncio.sleep(0.05)
        fresh = await aapl()
        assert (fresh["price"], fresh["stale"]) == ("81", False)
        await asyncio.sleep((as_of - datetime.now(UTC)).total_seconds() + 2.3)
        assert (await aapl())["stale"] is True

    async def test_no_budget_caches_nothing_and_answers_the_same(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache, stream
    ) -> None:
        app = await bench_app(start_app, settings, answer_cache_mb=0)
        eve = await make_user(base_currency="EUR", server=app)
        admin = await make_user(role=Role.ADMIN, server=app)
        await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        for _ in range(3):
            assert (await eve.client.get("/api/v1/portfolio")).json()["total_value"] == "6800.00"
        figures = await counters(admin)
        assert (figures["entries"], figures["bytes"], figures["hits"]) == (0, 0, 0)
