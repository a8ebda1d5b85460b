"""The engine on a real database and cache: loading, fallbacks, incremental revaluation."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.portfolio.engine import load_engine, load_users
from pulsefolio.portfolio.engine.prices import CacheFallback
from pulsefolio.portfolio.portfolios.service import Valuation

from .fixtures import NOW, make_account, make_user, quote, rate, seed, set_position


def value(engine, user_id: int, base: str = "EUR") -> Valuation:  # type: ignore[no-untyped-def]
    book = engine.book(user_id)
    return Valuation(book, engine.board, base, now=NOW, refresh_interval=600)


class TestLoad:
    async def test_values_several_currencies_exactly(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        body = value(await load_engine(db, cache), book.user_id).body()
        # AAPL 15 × 80 = 1200 USD × 0.8 = 960 EUR; VWRL 40 × 100 = 4000 GBP × 1.2 = 4800 EUR;
        # SAP 8 × 130 = 1040 EUR. Total 960 + 4800 + 1040 = 6800.
        assert body["total_value"] == "6800.00"
        # Day: AAPL 15 × 2 × 0.8 = 24; VWRL 40 × (-1) × 1.2 = -48; SAP 8 × 5 = 40 → 16,
        # against 6800 - 16 = 6784: 0.235849...%.
        assert body["day_change"] == {"amount": "16.00", "percent": "0.2358"}
        # Cost at today's rates: 1125 × 0.8 + 3000 × 1.2 + 1000 = 900 + 3600 + 1000 = 5500.
        assert body["cost_basis"] == "5500.00"
        assert body["unrealized_gain"] == {"amount": "1300.00", "percent": "23.6364"}
        rows = {r["symbol"]: r for r in body["holdings"]}
        assert rows["AAPL"]["quantity"] == "15"
        assert rows["AAPL"]["value"] == "1200.00" and rows["AAPL"]["value_base"] == "960.00"
        assert rows["AAPL"]["day_change"] == "24.00"
        assert rows["AAPL"]["unrealized_gain"] == "60.00"  # 960 - 900
        assert rows["VWRL"]["weight_percent"] == "70.5882"  # 4800 / 6800
        assert rows["VWRL"]["day_change"] == "-48.00"
        classes = {s["key"]: s["value"] for s in body["allocation"]["asset_class"]}
        assert classes == {"etf": "4800.00", "stock": "2000.00"}
        currencies = {s["key"]: s["value"] for s in body["allocation"]["currency"]}
        assert currencies == {"EUR": "1040.00", "GBP": "4800.00", "USD": "960.00"}
        accounts = {s["name"]: s["value"] for s in body["allocation"]["account"]}
        assert accounts == {"US broker": "2000.00", "UK ISA": "4800.00"}
        fx = {f["from"]: (f["rate"], f["via"]) for f in body["fx"]}
        assert fx == {
            "EUR": ("1", "identity"),
            "GBP": ("1.2", "cross:USD"),
            "USD": ("0.8", "inverse"),
        }

    async def test_cache_miss_falls_back_to_database_and_is_marked(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        rows = {r["symbol"]: r for r in value(await load_engine(db, cache), book.user_id).rows()}
        assert rows["SAP"]["price_origin"] == "database"
        assert rows["SAP"]["price"] == "130"  # the latest stored row, not the older 120
        assert rows["AAPL"]["price_origin"] == "cache"

    async def test_cache_down_uses_database_for_everything(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        dead = connect_redis("redis://127.0.0.1:1/0")
        try:
            engine = await load_engine(db, PriceCache(dead, "nowhere"))
        finally:
            await dead.aclose()
        body = value(engine, book.user_id).body()
        assert {r["price_origin"] for r in body["holdings"]} == {"database"}
        # Stored prices: AAPL 15 × 70 × 0.8 = 840; VWRL 40 × 90 × 1.2 = 4320; SAP 1040.
        assert body["total_value"] == "6200.00"

    async def test_old_price_is_stale(self, db: AsyncEngine, cache: PriceCache) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        rows = {r["symbol"]: r["stale"] for r in value(engine, book.user_id).rows()}
        # SAP's stored price is an hour old: more than 2 × 600 s.
        assert rows == {"AAPL": False, "SAP": True, "VWRL": False}
        hourly = Valuation(
            engine.book(book.user_id), engine.board, "EUR", now=NOW, refresh_interval=3600
        )
        assert {r["symbol"]: r["stale"] for r in hourly.rows()}["SAP"] is False  # 1 h < 2 h

    async def test_float_totals_match_the_exact_path(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        fast = engine.totals(book.user_id)
        exact = value(engine, book.user_id).value
        assert fast is not None
        assert fast.value == pytest.approx(float(exact.value_base), rel=1e-12)
        assert fast.previous == pytest.approx(
            float(exact.value_base - exact.day_change_base), rel=1e-12
        )
        assert fast.cost == pytest.approx(float(exact.cost_base), rel=1e-12)


class TestUpdates:
    async def test_incremental_update_equals_full_recompute(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        async with db.begin() as conn:  # a second user holding only SAP, base USD
            other = await make_user(conn, "bob@example.com", "USD")
            account = await make_account(conn, other, "Main", "EUR")
            await set_position(conn, account, book.assets["SAP"], "3", "300")
        engine = await load_engine(db, cache)
        later = NOW + timedelta(seconds=5)
        _, users = engine.apply_quotes([quote("AAPL", "85", "78", "USD", later)])
        assert users == {book.user_id}  # bob holds no AAPL
        incremental = engine.value_usd.copy()
        engine.revalue_all()
        np.testing.assert_allclose(incremental, engine.value_usd, rtol=1e-12)
        # AAPL now 15 × 85 = 1275 USD × 0.8 = 1020: total 6800 + 60 = 6860.
        assert value(engine, book.user_id).body()["total_value"] == "6860.00"
        assert engine.totals(book.user_id).value == pytest.approx(6860, rel=1e-12)  # type: ignore[union-attr]

    async def test_older_quote_is_ignored(self, db: AsyncEngine, cache: PriceCache) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        changed, users = engine.apply_quotes(
            [quote("AAPL", "1", "1", "USD", NOW - timedelta(days=1))]
        )
        assert (changed, users) == ([], set())
        assert value(engine, book.user_id).body()["total_value"] == "6800.00"

    async def test_fx_change_revalues_everyone(self, db: AsyncEngine, cache: PriceCache) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        assert engine.apply_fx([rate("GBPUSD", "1.75", NOW + timedelta(seconds=1))])
        # VWRL 4000 GBP × 1.75 × 0.8 = 5600: total 960 + 5600 + 1040 = 7600.
        assert engine.totals(book.user_id).value == pytest.approx(7600, rel=1e-12)  # type: ignore[union-attr]
        assert value(engine, book.user_id).body()["total_value"] == "7600.00"

    async def test_reloaded_user_replaces_bulk_row(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        async with db.begin() as conn:  # sold 5 AAPL at average cost 75: 10 left, cost 750
            await set_position(conn, book.us_account, book.assets["AAPL"], "10", "750")
        await load_users(db, cache, engine, [book.user_id])
        # AAPL 10 × 80 × 0.8 = 640: total 640 + 4800 + 1040 = 6480.
        assert value(engine, book.user_id).body()["total_value"] == "6480.00"
        assert engine.totals(book.user_id).value == pytest.approx(6480, rel=1e-12)  # type: ignore[union-attr]
        assert engine.all_values().sum() == pytest.approx(0.0)  # the bulk row no longer counts
        _, users = engine.apply_quotes(
            [quote("AAPL", "90", "78", "USD", NOW + timedelta(seconds=9))]
        )
        assert users == {book.user_id}
        assert engine.totals(book.user_id).value == pytest.approx(10 * 90 * 0.8 + 5840, rel=1e-12)  # type: ignore[union-attr]


class TestCacheFallback:
    async def test_every_quote_held_is_marked_database_while_the_cache_is_down(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        """A quote applied from the stream while the stored prices are being read is newer than
        what the read returned: it stays, and is marked ``database`` with the rest."""
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        newer = quote("AAPL", "85", "78", "USD", NOW + timedelta(seconds=5))
        newer_rate = rate("GBPUSD", "1.75", NOW + timedelta(seconds=5))
        engine.apply_quotes([newer])
        engine.apply_fx([newer_rate])
        version = engine.board.version
        await CacheFallback(engine.board, db, cache, engine.revalue_all).to_database()

        body = value(engine, book.user_id).body()
        rows = {r["symbol"]: r for r in body["holdings"]}
        assert {r["price_origin"] for r in rows.values()} == {"database"}
        assert body["prices_from"] == "database"
        assert rows["AAPL"]["price"] == "85"  # the newer quote held, not the older stored 70
        assert engine.board.fx["GBPUSD"].origin == "database"
        assert not engine.board.unchanged_since(version, [engine.board.by_symbol["AAPL"]])

        await cache.put_prices([newer])  # the cache, back, holds them too
        await cache.put_fx([newer_rate])
        await CacheFallback(engine.board, db, cache, engine.revalue_all).to_cache()
        assert engine.board.cache_down is False
        rows = {r["symbol"]: r for r in value(engine, book.user_id).rows()}
        assert rows["AAPL"]["price_origin"] == "cache"
        assert rows["SAP"]["price_origin"] == "database"  # the cache never held SAP


class TestRecordedBaseCost:
    async def test_recorded_base_cost_is_used_in_bulk_and_overlay(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        async with db.begin() as conn:  # AAPL bought when 1 USD was 0.9 EUR: 1125 × 0.9
            await conn.execute(
                text(
                    "UPDATE positions SET cost_basis_base = 1012.50"
                    " WHERE account_id = :a AND asset_id = :s"
                ),
                {"a": book.us_account, "s": book.assets["AAPL"]},
            )
        engine = await load_engine(db, cache)
        body = value(engine, book.user_id).body()
        rows = {r["symbol"]: r for r in body["holdings"]}
        assert rows["AAPL"]["cost_basis_base"] == "1012.50"
        assert rows["AAPL"]["unrealized_gain"] == "-52.50"  # 960 - 1012.50: currency effect
        assert rows["VWRL"]["cost_basis_base"] == "3600.00"  # none recorded: today's rate
        assert body["cost_basis"] == "5612.50"  # 1012.50 + 3600 + 1000
        assert engine.totals(book.user_id).cost == pytest.approx(5612.5, rel=1e-12)  # type: ignore[union-attr]
        await load_users(db, cache, engine, [book.user_id])  # the overlay path agrees
        assert engine.book(book.user_id).holdings[0].cost_base is not None  # type: ignore[union-attr]
        assert engine.totals(book.user_id).cost == pytest.approx(5612.5, rel=1e-12)  # type: ignore[union-attr]
        assert value(engine, book.user_id).body()["cost_basis"] == "5612.50"

    async def test_price_refresh_skips_unchanged_products(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        engine = await load_engine(db, cache)
        cost, previous = engine.cost_usd, engine.previous_usd
        engine.apply_quotes([quote("AAPL", "85", "78", "USD", NOW + timedelta(seconds=5))])
        engine.revalue_all()
        assert engine.cost_usd is cost and engine.previous_usd is previous  # not recomputed
        engine.apply_quotes([quote("AAPL", "86", "79", "USD", NOW + timedelta(seconds=6))])
        engine.revalue_all()  # a new previous close: that product runs again
        assert engine.previous_usd is not previous
        assert engine.totals(book.user_id).value == pytest.approx(  # type: ignore[union-attr]
            float(value(engine, book.user_id).value.value_base), rel=1e-12
        )
