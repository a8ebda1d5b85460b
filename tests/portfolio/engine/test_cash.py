"""Cash balances in the engine: loaded in bulk and on reload, valued at today's FX, exact and
fast paths agreeing.

The seeded book (see fixtures.py, 6800 EUR of holdings) plus cash: US broker 500 USD (× 0.8 =
400 EUR) and 10 EUR, UK ISA 20 GBP (× 1.2 = 24 EUR): 434 EUR of cash, 7234 EUR in all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache
from pulsefolio.portfolio.engine import Engine, load_engine, load_users
from pulsefolio.portfolio.portfolios.service import Valuation

from .fixtures import NOW, Book, make_account, make_user, rate, seed, set_cash


def value(engine: Engine, user_id: int, base: str = "EUR", account: int | None = None) -> Valuation:
    book = engine.book(user_id)
    assert book is not None
    return Valuation(book, engine.board, base, now=NOW, refresh_interval=600, account_id=account)


async def seed_cash(db: AsyncEngine, cache: PriceCache) -> Book:
    book = await seed(db, cache)
    async with db.begin() as conn:
        await set_cash(conn, book.us_account, "USD", "500")
        await set_cash(conn, book.us_account, "EUR", "10")
        await set_cash(conn, book.uk_account, "GBP", "20")
    return book


def assert_fast_equals_exact(engine: Engine, user_id: int, base: str = "EUR") -> None:
    fast, exact = engine.totals(user_id), value(engine, user_id, base).value
    assert fast is not None
    assert fast.value == pytest.approx(float(exact.value_base), rel=1e-12)
    assert fast.previous == pytest.approx(
        float(exact.value_base - exact.day_change_base), rel=1e-12
    )
    assert fast.cost == pytest.approx(float(exact.cost_base), rel=1e-12)


def slices(body: dict[str, Any], kind: str, key: str = "key") -> dict[str, str]:
    return {s[key]: s["value"] for s in body["allocation"][kind]}


class TestCashLoaded:
    async def test_total_is_holdings_plus_cash(self, db: AsyncEngine, cache: PriceCache) -> None:
        book = await seed_cash(db, cache)
        engine = await load_engine(db, cache)
        body = value(engine, book.user_id).body()
        assert (body["holdings_value"], body["cash_value"]) == ("6800.00", "434.00")
        assert body["total_value"] == "7234.00"  # 6800 + 434
        cash = {(c["account_id"], c["currency"]): c for c in body["cash"]}
        assert cash[(book.us_account, "USD")] == {
            "account_id": book.us_account,
            "currency": "USD",
            "amount": "500.00",
            "amount_base": "400.00",
            "weight_percent": "5.5294",  # 400 / 7234
        }
        assert cash[(book.uk_account, "GBP")]["amount_base"] == "24.00"
        assert cash[(book.us_account, "EUR")]["amount_base"] == "10.00"
        # Cash has no day change and no cost: day 16 against 7234 - 16 = 7218.
        assert body["day_change"] == {"amount": "16.00", "percent": "0.2217"}
        assert body["cost_basis"] == "5500.00"
        rows = {r["symbol"]: r for r in body["holdings"]}
        assert rows["VWRL"]["weight_percent"] == "66.3533"  # 4800 / 7234
        assert slices(body, "asset_class") == {
            "cash": "434.00",
            "etf": "4800.00",
            "stock": "2000.00",
        }
        # EUR 1040 + 10; GBP 4800 + 24; USD 960 + 400.
        assert slices(body, "currency") == {"EUR": "1050.00", "GBP": "4824.00", "USD": "1360.00"}
        assert slices(body, "account", "name") == {"US broker": "2410.00", "UK ISA": "4824.00"}
        assert_fast_equals_exact(engine, book.user_id)

    async def test_account_filter_keeps_its_own_cash(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed_cash(db, cache)
        engine = await load_engine(db, cache)
        body = value(engine, book.user_id, account=book.uk_account).body()
        # VWRL 4800 + 20 GBP × 1.2 = 24.
        assert (body["total_value"], body["cash_value"]) == ("4824.00", "24.00")
        assert [(c["currency"], c["amount"]) for c in body["cash"]] == [("GBP", "20.00")]
        assert slices(body, "asset_class") == {"cash": "24.00", "etf": "4800.00"}

    async def test_fx_change_revalues_cash_in_bulk_and_overlay(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed_cash(db, cache)
        engine = await load_engine(db, cache)
        assert engine.apply_fx([rate("GBPUSD", "1.75", NOW + timedelta(seconds=1))])
        # GBP→EUR 1.75 × 0.8 = 1.4: VWRL 5600, the 20 GBP 28: 960 + 5600 + 1040 + 400 + 28 + 10.
        assert engine.totals(book.user_id).value == pytest.approx(8038, rel=1e-12)  # type: ignore[union-attr]
        body = value(engine, book.user_id).body()
        assert (body["total_value"], body["cash_value"]) == ("8038.00", "438.00")
        await load_users(db, cache, engine, [book.user_id])  # now from the overlay
        assert engine.all_values().sum() == pytest.approx(0.0)  # the bulk row, cash too, is out
        assert engine.apply_fx([rate("EURUSD", "1.6", NOW + timedelta(seconds=2))])
        # USD→EUR 1/1.6 = 0.625, GBP→EUR 1.75 × 0.625 = 1.09375: AAPL 1200 × 0.625 = 750,
        # VWRL 4000 × 1.09375 = 4375, SAP 1040; cash 312.5 + 21.875 + 10 = 344.375.
        body = value(engine, book.user_id).body()
        assert (body["total_value"], body["cash_value"]) == ("6509.38", "344.38")
        assert engine.totals(book.user_id).value == pytest.approx(6509.375, rel=1e-12)  # type: ignore[union-attr]
        assert_fast_equals_exact(engine, book.user_id)

    async def test_reload_picks_up_a_new_balance(self, db: AsyncEngine, cache: PriceCache) -> None:
        book = await seed_cash(db, cache)
        engine = await load_engine(db, cache)
        async with db.begin() as conn:  # a dividend of 15 GBP, and the EUR spent
            await set_cash(conn, book.uk_account, "GBP", "35")
            await set_cash(conn, book.us_account, "EUR", "0")
        await load_users(db, cache, engine, [book.user_id])
        # Cash 400 + 35 × 1.2 = 442; the zero EUR balance is not listed.
        body = value(engine, book.user_id).body()
        assert (body["total_value"], body["cash_value"]) == ("7242.00", "442.00")
        assert {c["currency"] for c in body["cash"]} == {"USD", "GBP"}
        assert_fast_equals_exact(engine, book.user_id)


class TestCashOnly:
    async def test_cash_without_positions_and_a_balance_too_large_for_int64(
        self, db: AsyncEngine, cache: PriceCache
    ) -> None:
        book = await seed(db, cache)
        async with db.begin() as conn:
            saver = await make_user(conn, "saver@example.com", "USD")
            account = await make_account(conn, saver, "Savings", "EUR")
            # Over 9 × 10^8: scaled by 10^10 it would not fit an int8, so it loads apart.
            await set_cash(conn, account, "EUR", "2000000000.25")
        engine = await load_engine(db, cache)
        body = value(engine, saver, "USD").body()
        # EUR→USD 1.25: 2,500,000,000.3125 → 2500000000.31 (half-even at the cent).
        assert (body["total_value"], body["holdings_value"]) == ("2500000000.31", "0.00")
        assert body["cash"][0]["amount"] == "2000000000.25"
        assert slices(body, "asset_class") == {"cash": "2500000000.31"}
        assert_fast_equals_exact(engine, saver, "USD")
        assert engine.users_holding([book.assets["AAPL"]]) == {book.user_id}
