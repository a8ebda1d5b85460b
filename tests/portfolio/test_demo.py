"""The demo seed against real PostgreSQL: shape, determinism, idempotency and consistency."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest_asyncio
import redis.asyncio as aioredis
from argon2 import PasswordHasher

from pulsefolio.assets.catalog import build_sources
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.db.urls import with_database
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Stream
from pulsefolio.portfolio.demo import ADMIN_EMAIL, seed_demo
from pulsefolio.portfolio.demo.closes import UNTRADED
from pulsefolio.portfolio.ledger import recompute_account
from tests.portfolio.conftest import AppServer

EMAIL = "demo@pulsefolio.dev"
PASSWORD = "demo-password-1"

CONTENT = {
    "users": "SELECT email, role, base_currency FROM users ORDER BY email",
    "accounts": "SELECT u.email, a.name, a.currency, a.kind, a.cost_method, a.created_at "
    "FROM accounts a JOIN users u ON u.id = a.user_id ORDER BY 1, 2",
    "assets": "SELECT symbol, name, asset_class, currency, exchange FROM assets ORDER BY symbol",
    "sources": "SELECT a.symbol, s.source, s.provider_symbol, s.priority FROM asset_sources s "
    "JOIN assets a ON a.id = s.asset_id ORDER BY 1, 4",
    "prices": "SELECT a.symbol, p.as_of, p.source, p.price, p.previous_close, p.currency "
    "FROM price_history p JOIN assets a ON a.id = p.asset_id ORDER BY 1, 2",
    "fx": "SELECT base, quote, as_of, rate FROM fx_rates ORDER BY 1, 2, 3",
    "transactions": "SELECT u.email, a.name, s.symbol, t.type, t.quantity, t.price, t.amount, "
    "t.fee, t.currency, t.split_numerator, t.split_denominator, t.executed_at "
    "FROM transactions t JOIN accounts a ON a.id = t.account_id JOIN users u ON u.id = t.user_id "
    "LEFT JOIN assets s ON s.id = t.asset_id ORDER BY 1, 2, t.executed_at, t.id",
    "positions": "SELECT a.id, s.symbol, p.quantity, p.cost_basis, p.cost_basis_base, "
    "p.average_cost, "
    "p.realized_gain, p.dividends, p.fees FROM positions p JOIN accounts a ON a.id = p.account_id "
    "JOIN assets s ON s.id = p.asset_id ORDER BY 1, 2",
    "cash": "SELECT account_id, currency, balance FROM cash_balances ORDER BY 1, 2",
}


async def _fetch(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(with_database(url, driver=None))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def content_hash(url: str) -> str:
    """A digest of everything the seed wrote except ids, password hashes and write times."""
    digest = hashlib.sha256()
    for name, query in CONTENT.items():
        if name in ("positions", "cash"):
            continue  # keyed by account id; covered through transactions
        for row in await _fetch(url, query):
            digest.update(repr((name, tuple(row))).encode())
    return digest.hexdigest()


@pytest_asyncio.fixture(loop_scope="session")
async def other_database_url(servers: Any, template_database: str) -> AsyncIterator[str]:
    name = f"pf_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(with_database(servers.postgres, "postgres", driver=None))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield with_database(servers.postgres, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def seed(url: str, seed: int = 42, users: int = 250) -> Any:
    return await seed_demo(url, users=users, seed=seed, demo_email=EMAIL, demo_password=PASSWORD)


class TestSeedDemo:
    async def test_shape_of_the_demo(self, database_url: str) -> None:
        result = await seed(database_url)

        assert result.created
        per_user = await _fetch(
            database_url,
            "SELECT u.role, count(a.id) AS n, count(DISTINCT a.currency) AS currencies "
            "FROM users u LEFT JOIN accounts a ON a.user_id = u.id GROUP BY u.id, u.role",
        )
        ordinary = [row for row in per_user if row["role"] == "user"]
        assert len(ordinary) == 250
        assert all(1 <= row["n"] <= 3 and row["currencies"] == row["n"] for row in ordinary)
        assert {row["n"] for row in ordinary} == {1, 2, 3}
        assert [row["role"] for row in per_user].count("admin") == 1
        currencies = await _fetch(database_url, "SELECT DISTINCT currency FROM accounts")
        assert {row[0] for row in currencies} >= {"USD", "EUR", "GBP", "INR"}
        classes = await _fetch(database_url, "SELECT asset_class, count(*) FROM assets GROUP BY 1")
        assert {row[0] for row in classes} == {"stock", "etf", "mutual_fund"}
        assert 180 <= sum(row[1] for row in classes) <= 220

    async def test_every_asset_has_sources_and_daily_closes(self, database_url: str) -> None:
        await seed(database_url)

        first = await _fetch(
            database_url,
            "SELECT a.symbol, (SELECT source FROM asset_sources s WHERE s.asset_id = a.id "
            "ORDER BY priority LIMIT 1) AS first, (SELECT count(*) FROM asset_sources s "
            "WHERE s.asset_id = a.id) AS sources, (SELECT count(*) FROM price_history p "
            "WHERE p.asset_id = a.id) AS prices FROM assets a",
        )
        assert all(row["first"] == "simulated" and row["sources"] >= 2 for row in first)
        assert all(row["prices"] >= UNTRADED for row in first)
        latest = await _fetch(
            database_url,
            "SELECT DISTINCT ON (asset_id) source, as_of, previous_close FROM price_history "
            "ORDER BY asset_id, as_of DESC",
        )
        today = datetime.now(UTC)
        assert all(
            row["source"] == "simulated"
            and row["previous_close"] is not None
            and timedelta(0) <= today - row["as_of"] < timedelta(days=4)
            for row in latest
        )
        by_symbol = {row["symbol"] for row in first}
        assert {"AAPL", "VOD.L", "SAP.DE", "RELIANCE.NS", "VTI", "122639"} <= by_symbol
        fx = await _fetch(database_url, "SELECT base, quote FROM fx_rates")
        assert len({(row[0], row[1]) for row in fx}) == 12  # every ordered pair of 4 currencies

    async def test_demo_and_admin_log_in_with_the_demo_password(self, database_url: str) -> None:
        await seed(database_url)

        rows = await _fetch(
            database_url,
            "SELECT email, role, password_hash FROM users WHERE email = ANY($1)",
            [EMAIL, ADMIN_EMAIL],
        )
        roles = {row["email"]: row["role"] for row in rows}
        assert roles == {EMAIL: "user", ADMIN_EMAIL: "admin"}
        hasher = PasswordHasher()
        for row in rows:
            assert row["password_hash"].startswith("$argon2id$")
            assert hasher.verify(row["password_hash"], PASSWORD)

    async def test_same_seed_same_data_other_seed_other_data(
        self, database_url: str, other_database_url: str
    ) -> None:
        await seed(database_url, seed=7, users=12)
        await seed(other_database_url, seed=7, users=12)
        same = await content_hash(database_url), await content_hash(other_database_url)

        assert same[0] == same[1]
        await _wipe(other_database_url)
        await seed(other_database_url, seed=8, users=12)
        assert await content_hash(other_database_url) != same[0]

    async def test_second_seed_changes_nothing(self, database_url: str) -> None:
        first = await seed(database_url, users=30)
        before = await content_hash(database_url)
        positions = await _fetch(database_url, CONTENT["positions"])

        again = await seed(database_url, users=30)

        assert not again.created
        assert (again.users, again.transactions) == (first.users, first.transactions)
        assert await content_hash(database_url) == before
        assert await _fetch(database_url, CONTENT["positions"]) == positions

    async def test_positions_and_cash_equal_recompute(self, database_url: str) -> None:
        await seed(database_url)
        positions = await _fetch(database_url, CONTENT["positions"])
        cash = await _fetch(database_url, CONTENT["cash"])
        assert len(positions) > 1000
        assert any(row["realized_gain"] != 0 for row in positions)
        assert all(row["cost_basis_base"] is not None for row in positions)  # FX history

        engine = create_engine(database_url)
        try:
            async with session_factory(engine).begin() as session:
                memo: dict[Any, Any] = {}  # one read of each FX pair for all accounts
                for row in await _fetch(database_url, "SELECT id FROM accounts"):
                    await recompute_account(session, row["id"], fx_memo=memo)
        finally:
            await engine.dispose()

        assert await _fetch(database_url, CONTENT["positions"]) == positions
        assert await _fetch(database_url, CONTENT["cash"]) == cash


async def _wipe(url: str) -> None:
    conn = await asyncpg.connect(with_database(url, driver=None))
    try:
        await conn.execute(
            "TRUNCATE users, accounts, transactions, positions, cash_balances, assets, "
            "asset_sources, price_history, fx_rates CASCADE"
        )
    finally:
        await conn.close()


def _business_gap(earlier: date, later: date) -> bool:
    """``later`` is the next business day after ``earlier`` (Friday to Monday included)."""
    return (later - earlier).days == 1 or (earlier.weekday() == 4 and (later - earlier).days == 3)


class TestDemoHistory:
    async def test_closes_are_daily_and_trades_lie_on_them(self, database_url: str) -> None:
        await seed(database_url, users=3)
        rows = await _fetch(
            database_url,
            "SELECT a.symbol, p.as_of, p.price, p.previous_close FROM price_history p "
            "JOIN assets a ON a.id = p.asset_id ORDER BY 1, 2",
        )
        closes: dict[str, dict[date, Decimal]] = {}
        for symbol, as_of, price, previous in rows:
            days = closes.setdefault(symbol, {})
            if days:
                last_day = max(days)
                assert _business_gap(last_day, as_of.date()), (symbol, last_day, as_of)
                assert previous == days[last_day]
            assert as_of.weekday() < 5 and (as_of.hour, as_of.minute) == (21, 0)
            days[as_of.date()] = price
        now = datetime.now(UTC)
        last = max(max(days) for days in closes.values())
        assert all(max(days) == last for days in closes.values())
        assert timedelta(0) <= now - datetime.combine(last, datetime.min.time(), UTC) < timedelta(4)

        trades = await _fetch(
            database_url,
            "SELECT a.symbol, t.executed_at, t.price FROM transactions t "
            "JOIN assets a ON a.id = t.asset_id WHERE t.type IN ('BUY', 'SELL')",
        )
        assert len(trades) > 10
        for symbol, executed_at, price in trades:
            day = executed_at.astimezone(UTC).date()
            assert min(closes[symbol]) < day  # the history starts before the first trade
            while day not in closes[symbol]:
                day -= timedelta(days=1)
            assert price == closes[symbol][day], (symbol, executed_at)

    async def test_value_history_moves_and_joins_the_live_prices(
        self,
        database_url: str,
        redis_url: str,
        settings: Settings,
        stream: Stream,
        start_app: Callable[..., Awaitable[AppServer]],
    ) -> None:
        await seed(database_url, users=3)
        stored = await _fetch(
            database_url,
            "SELECT DISTINCT ON (a.id) a.symbol, p.price, p.as_of FROM price_history p "
            "JOIN assets a ON a.id = p.asset_id ORDER BY a.id, p.as_of DESC",
        )
        latest = {row["symbol"]: row["price"] for row in stored}
        closed_at = {row["symbol"]: row["as_of"] for row in stored}
        rates = {
            row["base"] + row["quote"]: row["rate"]
            for row in await _fetch(
                database_url,
                "SELECT DISTINCT ON (base, quote) base, quote, rate FROM fx_rates "
                "ORDER BY base, quote, as_of DESC",
            )
        }
        engine = create_engine(database_url)
        redis = aioredis.from_url(redis_url)
        try:
            async with httpx.AsyncClient() as client:
                sources = await build_sources(settings, client, engine)
            cache = PriceCache(redis, settings.namespace)
            loop = RefreshLoop(settings, {"simulated": sources["simulated"]}, engine, cache, stream)
            await loop.run_once()
            live = await cache.get_prices()
            live_fx = await cache.get_fx()
        finally:
            await redis.aclose()
            await engine.dispose()
        assert set(live) == set(latest)
        moves = {s: abs(live[s].price / latest[s] - 1) for s in latest}
        assert max(moves.values()) < Decimal("0.1")
        # within the refresh interval after a close (21:00 UTC) the market is still at that
        # close's step: the live price is the close itself; past it, most prices have moved
        at_close = [m for s, m in moves.items() if live[s].as_of <= closed_at[s]]
        assert all(m == 0 for m in at_close)
        walked = [m for s, m in moves.items() if live[s].as_of > closed_at[s]]
        assert not walked or sum(m > 0 for m in walked) > len(walked) / 2
        assert len(live_fx) >= 2 and set(live_fx) <= set(rates)
        assert all(abs(q.rate / rates[p] - 1) < Decimal("0.03") for p, q in live_fx.items())

        server = await start_app()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as api:
            login = await api.post(
                "/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD}
            )
            api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            history = (await api.get("/api/v1/portfolio/history?range=1Y")).json()
            holdings = (await api.get("/api/v1/portfolio")).json()["holdings"]
            values = [point["value"] for point in history["points"]]
            assert len(values) >= 360 and len(set(values)) > 100
            assert history["points"][-1]["date"] == datetime.now(UTC).date().isoformat()
            assert holdings and all(h["price_origin"] == "cache" for h in holdings)
            for holding in holdings:
                one = await api.get(
                    f"/api/v1/accounts/{holding['account_id']}/history",
                    params={"range": "1Y", "asset_id": holding["asset_id"]},
                )
                last = one.json()["points"][-1]
                assert Decimal(holding["price"]) == live[holding["symbol"]].price
                assert abs(Decimal(last["value_asset"]) - Decimal(holding["value"])) <= Decimal(
                    "0.01"
                ), holding
