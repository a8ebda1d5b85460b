"""A small hand-built book shared by the engine, valuation and live tests.

A user with base currency EUR holds, at the prices below (FX: EURUSD 1.25, GBPUSD 1.5, so
USD→EUR is 1/1.25 = 0.8 by inverse and GBP→EUR is 1.5 × 0.8 = 1.2 by a cross through USD):

* US account (USD): AAPL — bought 10 at 150 (cost 1500), split 2-for-1 (20 shares, cost 1500),
  sold 5 at average cost 75: 15 shares, cost 1125 USD. Price 80, previous close 78 (cache).
* US account: SAP (EUR) — 8 shares, cost 1000 EUR. Not in the cache: latest stored price 130,
  previous close 125, an hour old (stale with a 600 s refresh interval).
* UK account (GBP): VWRL (GBP, etf) — 40 units, cost 3000 GBP. Price 100, previous close 101.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.events import encode_fx, encode_quote, fx_dedup_id, quote_dedup_id
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Outgoing, Stream, Topic

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Book:
    user_id: int
    us_account: int
    uk_account: int
    assets: dict[str, int]


async def insert(conn, sql: str, **params: object) -> int:  # type: ignore[no-untyped-def]
    return int((await conn.execute(text(sql + " RETURNING id"), params)).scalar_one())


async def make_user(conn, email: str, base: str) -> int:  # type: ignore[no-untyped-def]
    return await insert(
        conn,
        "INSERT INTO users (email, password_hash, base_currency) VALUES (:e, 'x', :b)",
        e=email,
        b=base,
    )


async def make_account(conn, user_id: int, name: str, currency: str) -> int:  # type: ignore[no-untyped-def]
    return await insert(
        conn,
        "INSERT INTO accounts (user_id, name, currency) VALUES (:u, :n, :c)",
        u=user_id,
        n=name,
        c=currency,
    )


async def set_position(conn, account: int, asset: int, quantity: str, cost: str) -> None:  # type: ignore[no-untyped-def]
    await conn.execute(
        text(
            "INSERT INTO positions (account_id, asset_id, quantity, cost_basis, average_cost,"
            " realized_gain, dividends, fees) VALUES (:a, :s, :q, :c, 0, 0, 0, 0)"
            " ON CONFLICT (account_id, asset_id) DO UPDATE SET quantity = :q, cost_basis = :c"
        ),
        {"a": account, "s": asset, "q": Decimal(quantity), "c": Decimal(cost)},
    )


async def set_cash(conn, account: int, currency: str, balance: str) -> None:  # type: ignore[no-untyped-def]
    """Write a cash balance as the ledger keeps it (the engine reads it on load or reload)."""
    await conn.execute(
        text(
            "INSERT INTO cash_balances (account_id, currency, balance) VALUES (:a, :c, :b)"
            " ON CONFLICT (account_id, currency) DO UPDATE SET balance = :b"
        ),
        {"a": account, "c": currency, "b": Decimal(balance)},
    )


async def store_price(
    conn, asset: int, price: str, previous: str, as_of: datetime, currency: str
) -> None:  # type: ignore[no-untyped-def]
    await conn.execute(
        text(
            "INSERT INTO price_history (asset_id, as_of, source, price, currency, previous_close)"
            " VALUES (:a, :t, 'stored', :p, :c, :pc)"
        ),
        {"a": asset, "t": as_of, "p": Decimal(price), "c": currency, "pc": Decimal(previous)},
    )


def quote(
    symbol: str, price: str, previous: str, currency: str, as_of: datetime = NOW
) -> PriceQuote:
    return PriceQuote(symbol, Decimal(price), currency, as_of, as_of, "sim", Decimal(previous))


def rate(pair: str, value: str, as_of: datetime = NOW) -> FxRate:
    return FxRate(pair[:3], pair[3:], Decimal(value), as_of, as_of, "sim")


async def seed(db: AsyncEngine, cache: PriceCache, user_id: int | None = None) -> Book:
    """Insert the book above (for ``user_id``, or a new EUR user); put AAPL, VWRL and the FX
    rates in the cache (not SAP)."""
    async with db.begin() as conn:
        assets = {}
        for symbol, name, cls, ccy in (
            ("AAPL", "Apple", "stock", "USD"),
            ("SAP", "SAP", "stock", "EUR"),
            ("VWRL", "Vanguard All-World", "etf", "GBP"),
        ):
            assets[symbol] = await insert(
                conn,
                "INSERT INTO assets (symbol, name, asset_class, currency) VALUES (:s, :n, :k, :c)",
                s=symbol,
                n=name,
                k=cls,
                c=ccy,
            )
        user = user_id or await make_user(conn, "eve@example.com", "EUR")
        us = await make_account(conn, user, "US broker", "USD")
        uk = await make_account(conn, user, "UK ISA", "GBP")
        await set_position(conn, us, assets["AAPL"], "15", "1125")
        await set_position(conn, us, assets["SAP"], "8", "1000")
        await set_position(conn, uk, assets["VWRL"], "40", "3000")
        hour_ago = NOW - timedelta(hours=1)
        await store_price(conn, assets["SAP"], "120", "119", NOW - timedelta(days=2), "EUR")
        await store_price(conn, assets["SAP"], "130", "125", hour_ago, "EUR")
        await store_price(conn, assets["AAPL"], "70", "69", hour_ago, "USD")
        await store_price(conn, assets["VWRL"], "90", "91", hour_ago, "GBP")
        for base, quote_ccy, value in (("EUR", "USD", "1.25"), ("GBP", "USD", "1.5")):
            await conn.execute(
                text(
                    "INSERT INTO fx_rates (base, quote, as_of, source, rate)"
                    " VALUES (:b, :q, :t, 'stored', :r)"
                ),
                {"b": base, "q": quote_ccy, "t": hour_ago, "r": Decimal(value)},
            )
    await cache.put_prices(CACHED_QUOTES)
    await cache.put_fx(CACHED_RATES)
    return Book(user, us, uk, assets)


CACHED_QUOTES = [quote("AAPL", "80", "78", "USD"), quote("VWRL", "100", "101", "GBP")]
CACHED_RATES = [rate("EURUSD", "1.25"), rate("GBPUSD", "1.5")]


async def announce(stream: Stream, quotes: list[PriceQuote], rates: list[FxRate] = ()) -> None:  # type: ignore[assignment]
    """Publish quotes and rates as the asset service does after writing the cache."""
    await stream.publish(
        [Outgoing(Topic.PRICES, q.symbol, encode_quote(q), quote_dedup_id(q)) for q in quotes]
        + [Outgoing(Topic.FX, r.pair, encode_fx(r), fx_dedup_id(r)) for r in rates]
    )


async def wait_for(client: httpx.AsyncClient, path: str, total: str, within: float = 5.0) -> dict:  # type: ignore[type-arg]
    """GET ``path`` until its total_value is ``total``; fail after ``within`` seconds."""
    body: dict = {}  # type: ignore[type-arg]
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        body = (await client.get(path)).json()
        if body.get("total_value") == total:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} still says {body.get('total_value')}, not {total}")


@pytest_asyncio.fixture
async def app_cache(settings: Settings) -> AsyncIterator[PriceCache]:
    """The price cache the test app uses (its Redis, its namespace)."""
    assert settings.redis_url
    client = connect_redis(settings.redis_url)
    yield PriceCache(client, settings.namespace)
    await client.aclose()
