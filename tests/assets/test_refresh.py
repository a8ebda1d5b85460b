"""A refresh cycle over real PostgreSQL, Redis and NATS with local sources."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.assets.source_status import SourceHealth
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.db.models import FxRate, PriceHistory
from pulsefolio.core.domain import AssetClass
from pulsefolio.core.events import decode_quote
from pulsefolio.core.stream import Delivery, Stream, Topic

STOCK = AssetClass.STOCK


async def stream_messages(stream: Stream, topic: Topic, settle: float = 1.5) -> list[Delivery]:
    """Everything the stream holds on ``topic``, read from the start."""
    found: list[Delivery] = []

    async def read() -> None:
        async for batch in stream.consume([topic], consumer=None, from_start=True):
            found.extend(batch)

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), settle)
    return found


async def count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))


def loop_for(settings, sources, engine, cache, stream, **kw) -> RefreshLoop:  # type: ignore[no-untyped-def]
    return RefreshLoop(settings, sources, engine, cache, stream, **kw)


class TestCycle:
    async def test_simulated_market_moves_prices_everywhere(
        self, settings, market, clock, engine, cache: PriceCache, stream: Stream, seed
    ) -> None:
        await seed([("AAPL", "USD", STOCK, [("simulated", "AAPL")]), ("VOD", "GBP", STOCK, [])],
                   base_currencies=["EUR"])  # fmt: skip
        loop = loop_for(settings, {"simulated": market}, engine, cache, stream)
        first = await loop.run_once()
        assert (first.priced, first.history_rows, first.changed_prices) == (2, 2, 2)
        held = await cache.get_prices()
        assert set(held) == {"AAPL", "VOD"}
        assert held["VOD"].currency == "GBP" and held["VOD"].source == "simulated"
        assert held["AAPL"].fetched_at == clock.now and held["AAPL"].as_of <= clock.now
        assert first.fx_priced > 0 and set(await cache.get_fx()) >= {"GBPUSD", "EURUSD", "USDEUR"}

        clock.advance(600)
        second = await loop.run_once()
        moved = await cache.get_prices()
        assert second.changed_prices == 2
        assert moved["AAPL"].as_of > held["AAPL"].as_of
        assert moved["AAPL"].price != held["AAPL"].price
        assert await count(engine, PriceHistory) == 4
        prices = await stream_messages(stream, Topic.PRICES)
        assert sorted(m.key for m in prices) == ["AAPL", "AAPL", "VOD", "VOD"]
        assert decode_quote(prices[-1].data) in (moved["AAPL"], moved["VOD"])
        assert len(await stream_messages(stream, Topic.FX)) == first.changed_fx * 2

    async def test_rerun_writes_nothing_twice(
        self, settings, market, engine, cache: PriceCache, stream: Stream, seed
    ) -> None:
        await seed([("MSFT", "USD", STOCK, [("simulated", "MSFT")])])
        loop = loop_for(settings, {"simulated": market}, engine, cache, stream)
        first = await loop.run_once()
        again = await loop.run_once()
        assert (first.history_rows, first.published) == (1, 1 + first.changed_fx)
        assert (again.history_rows, again.fx_rows, again.changed_prices, again.published) == (
            0, 0, 0, 0)  # fmt: skip
        # Even with the cache lost, a re-published cycle is stored once by the stream.
        await cache.clear()
        third = await loop.run_once()
        assert third.changed_prices == 1 and third.published == 0
        assert len(await stream_messages(stream, Topic.PRICES)) == 1
        assert await count(engine, PriceHistory) == 1
        assert await count(engine, FxRate) == first.fx_rows


class TestBadSources:
    async def test_liar_against_one_honest_source_changes_nothing(
        self, settings, market, clock, engine, cache, stream, seed, scaled
    ) -> None:
        await seed([("IBM", "USD", STOCK, [("simulated", "IBM"), ("liar", "IBM")])])
        loop = loop_for(settings, {"simulated": market}, engine, cache, stream)
        await loop.run_once()
        good = (await cache.get_prices())["IBM"]

        clock.advance(600)
        loop = loop_for(settings, {"simulated": market, "liar": scaled("liar", market, "1.5")},
                        engine, cache, stream)  # fmt: skip
        report = await loop.run_once()
        assert report.priced == 0 and report.unpriced == ["IBM"]
        assert {r["source"] for r in report.rejections} == {"simulated", "liar"}
        assert (await cache.get_prices())["IBM"] == good
        assert await count(engine, PriceHistory) == 1
        assert loop.health.status("liar").rejected == 1

    async def test_liar_outvoted(
        self, settings, market, engine, cache, stream, seed, scaled
    ) -> None:
        await seed([("IBM", "USD", STOCK, [("liar", "IBM"), ("simulated", "IBM"),
                                            ("honest", "IBM")])])  # fmt: skip
        sources = {"simulated": market, "liar": scaled("liar", market, "0.5"),
                   "honest": scaled("honest", market, "1.01")}  # fmt: skip
        report = await loop_for(settings, sources, engine, cache, stream).run_once()
        held = (await cache.get_prices())["IBM"]
        truth = (await market.fetch([_request("IBM")]))[0].quote
        assert held.source == "simulated" and held.price == truth.price
        assert [r["source"] for r in report.rejections] == ["liar"]
        assert report.rejections[0]["reason"].startswith("outlier")

    async def test_broken_source_fails_over_then_is_shut_out(
        self, settings, market, clock, engine, cache, stream, seed, broken
    ) -> None:
        await seed([("SAP", "EUR", STOCK, [("down", "SAP.DE"), ("simulated", "SAP")])])
        down = broken("down")
        health = SourceHealth(failure_threshold=2, cooldown=3600)
        loop = loop_for(settings, {"simulated": market, "down": down}, engine, cache, stream,
                        health=health)  # fmt: skip
        for _ in range(3):
            report = await loop.run_once()
            assert report.priced == 1
            clock.advance(60)
        assert (await cache.get_prices())["SAP"].source == "simulated"
        assert down.calls == 2  # the third cycle no longer asked it
        status = health.snapshot()
        down_status = next(s for s in status if s["name"] == "down")
        assert down_status["healthy"] is False and down_status["errors"] == {
            "SourceUnavailable": 2}  # fmt: skip
        assert await count(engine, PriceHistory) == 3

    async def test_bad_numbers_and_old_quotes_are_never_written(
        self, settings, market, clock, engine, cache, stream, seed, fixed
    ) -> None:
        await seed([("ACME", "USD", STOCK, [("simulated", "ACME")])])
        await loop_for(settings, {"simulated": market}, engine, cache, stream).run_once()
        good = (await cache.get_prices())["ACME"]
        clock.advance(60)
        cases = [("NaN", 0), ("Infinity", 0), ("-3", 0), ("0", 0), ("12", 600), ("12", -3600)]
        for price, ahead in cases:
            source = fixed("simulated", price, clock.now + timedelta(seconds=ahead), clock)
            loop = loop_for(settings, {"simulated": source}, engine, cache, stream)
            report = await loop.run_once()
            assert report.priced == 0, (price, ahead)
        assert (await cache.get_prices())["ACME"] == good
        assert await count(engine, PriceHistory) == 1
        # The same source with a sound quote is written: the checks above were what refused.
        sound = fixed("simulated", "12.5", clock.now, clock)
        report = await loop_for(settings, {"simulated": sound}, engine, cache, stream).run_once()
        assert report.priced == 1 and (await cache.get_prices())["ACME"].price == Decimal("12.5")


def _request(symbol: str):  # type: ignore[no-untyped-def]
    from pulsefolio.assets.sources.base import SymbolRequest

    return SymbolRequest(symbol, symbol, "USD", STOCK)
