"""The demo seed against real PostgreSQL: shape, determinism, idempotency and consistency."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from argon2 import PasswordHasher

from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.db.urls import with_database
from pulsefolio.portfolio.demo import ADMIN_EMAIL, seed_demo
from pulsefolio.portfolio.ledger import recompute_account

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
    "positions": "SELECT a.id, s.symbol, p.quantity, p.cost_basis, p.average_cost, "
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

        assert result.created and result.seconds < 6
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

    async def test_every_asset_has_sources_and_a_starting_price(self, database_url: str) -> None:
        await seed(database_url)

        first = await _fetch(
            database_url,
            "SELECT a.symbol, (SELECT source FROM asset_sources s WHERE s.asset_id = a.id "
            "ORDER BY priority LIMIT 1) AS first, (SELECT count(*) FROM asset_sources s "
            "WHERE s.asset_id = a.id) AS sources, (SELECT count(*) FROM price_history p "
            "WHERE p.asset_id = a.id) AS prices FROM assets a",
        )
        assert all(row["first"] == "simulated" and row["sources"] >= 2 for row in first)
        assert all(row["prices"] == 1 for row in first)
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
        await seed(database_url, seed=7, users=40)
        await seed(other_database_url, seed=7, users=40)
        same = await content_hash(database_url), await content_hash(other_database_url)

        assert same[0] == same[1]
        await _wipe(other_database_url)
        await seed(other_database_url, seed=8, users=40)
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

        engine = create_engine(database_url)
        try:
            async with session_factory(engine).begin() as session:
                for row in await _fetch(database_url, "SELECT id FROM accounts"):
                    await recompute_account(session, row["id"])
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
