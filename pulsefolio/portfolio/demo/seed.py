"""Write the demo data into a migrated database: in one transaction, with bulk copies, once.

Passwords: the demo user, the admin (``admin@pulsefolio.dev``) and every other demo user all
log in with ``demo_password``; the ordinary users share one argon2id hash (hashing 250 times
would take longer than the rest of the seed). Demo data, not for a public deployment.
"""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from argon2 import PasswordHasher

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.errors import Conflict
from pulsefolio.portfolio.demo.closes import COLUMNS as CLOSE_COLUMNS
from pulsefolio.portfolio.demo.fx_history import rows as fx_rows
from pulsefolio.portfolio.demo.generate import (
    ADMIN_EMAIL,
    ANCHOR,
    DemoData,
    first_trades,
    generate,
)
from pulsefolio.portfolio.ledger.rules import as_price

SEED_LOCK_KEY = 0x50F0_5EED  # advisory lock: one seeding at a time per database


@dataclass(frozen=True, slots=True)
class SeedResult:
    created: bool  # False: the database was already seeded, nothing was written
    users: int
    accounts: int
    assets: int
    transactions: int
    positions: int
    demo_email: str
    admin_email: str
    seconds: float


async def seed_demo(
    database_url: str,
    *,
    users: int = 250,
    seed: int = 42,
    demo_email: str,
    demo_password: str,
) -> SeedResult:
    """Seed ``users`` demo users (the first is ``demo_email``) and an admin, unless already done.

    Deterministic from ``seed``; idempotent (a database that has the demo user is left alone).
    Raises Conflict if other users already hold e-mails the demo would create.
    """
    started = time.perf_counter()
    data = generate(seed, users, demo_email, datetime.now(UTC).date())
    conn = await asyncpg.connect(with_database(database_url, driver=None))
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", SEED_LOCK_KEY)
            if await conn.fetchval(
                "SELECT 1 FROM users WHERE lower(email) = lower($1)", demo_email
            ):
                return await _existing(conn, demo_email, started)
            hashes = await asyncio.to_thread(_hashes, demo_password)
            counts = await _write(conn, data, hashes)
    finally:
        await conn.close()
    return SeedResult(True, *counts, demo_email, ADMIN_EMAIL, time.perf_counter() - started)


def _hashes(password: str) -> tuple[str, str, str]:
    hasher = PasswordHasher()
    return hasher.hash(password), hasher.hash(password), hasher.hash(password)


async def _existing(conn: asyncpg.Connection, demo_email: str, started: float) -> SeedResult:
    users, accounts, assets, transactions, positions = [
        int(await conn.fetchval(f"SELECT count(*) FROM {table}"))  # noqa: S608 - fixed names
        for table in ("users", "accounts", "assets", "transactions", "positions")
    ]
    return SeedResult(
        False, users, accounts, assets, transactions, positions, demo_email, ADMIN_EMAIL,
        time.perf_counter() - started,
    )  # fmt: skip


async def _ids(conn: asyncpg.Connection, table: str, count: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)",
        table,
        count,
    )
    return [row[0] for row in rows]


async def _write(
    conn: asyncpg.Connection, data: DemoData, hashes: tuple[str, str, str]
) -> tuple[int, int, int, int, int]:
    now = datetime.now(UTC)
    emails = [user.email.lower() for user in data.users]
    taken = {
        row[0]
        for row in await conn.fetch(
            "SELECT lower(email) FROM users WHERE lower(email) = ANY($1)", emails
        )
    }
    if taken - {ADMIN_EMAIL}:
        raise Conflict(f"cannot seed: {len(taken)} demo e-mails already belong to users")
    asset_ids = await _write_assets(conn, data, now)

    users = [u for u in data.users if u.email.lower() not in taken]
    user_ids = await _ids(conn, "users", len(users))
    by_email = dict(zip((u.email for u in users), user_ids, strict=True))
    demo_hash, admin_hash, shared_hash = hashes
    await conn.copy_records_to_table(
        "users",
        columns=["id", "email", "password_hash", "base_currency", "role", "created_at"],
        records=[
            (
                by_email[u.email], u.email,
                demo_hash if i == 0 else admin_hash if u.email == ADMIN_EMAIL else shared_hash,
                u.base_currency, u.role.value, now,
            )
            for i, u in enumerate(users)
        ],
    )  # fmt: skip
    account_ids = await _ids(conn, "accounts", len(data.accounts))
    owner = [by_email[data.users[a.user].email] for a in data.accounts]
    await conn.copy_records_to_table(
        "accounts",
        columns=["id", "user_id", "name", "currency", "kind", "cost_method", "created_at"],
        records=[
            (
                account_ids[i],
                owner[i],
                a.name,
                a.currency,
                a.kind.value,
                a.cost_method.value,
                a.created_at,
            )
            for i, a in enumerate(data.accounts)
        ],
    )
    tx_ids = await _ids(conn, "transactions", len(data.transactions))
    await conn.copy_records_to_table(
        "transactions",
        columns=[
            "id", "user_id", "account_id", "asset_id", "type", "quantity", "price", "amount",
            "fee", "currency", "split_numerator", "split_denominator", "executed_at",
            "created_at", "updated_at",
        ],
        records=[
            (
                tx_ids[i], owner[t.account], account_ids[t.account],
                asset_ids[t.symbol] if t.symbol else None, t.entry.type.value, t.entry.quantity,
                t.entry.price, t.entry.amount, t.entry.fee, t.currency, t.entry.split_numerator,
                t.entry.split_denominator, t.entry.executed_at, now, now,
            )
            for i, t in enumerate(data.transactions)
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "positions",
        columns=[
            "account_id", "asset_id", "quantity", "cost_basis", "cost_basis_base", "average_cost",
            "realized_gain", "dividends", "fees", "purchase_fees", "sale_fees", "withholding",
            "open_purchase_fees", "open_purchase_fees_base", "updated_at",
        ],
        records=[
            (
                account_ids[account], asset_ids[symbol], p.quantity, p.cost_basis,
                p.cost_basis_base, as_price(p.average_cost), p.realized_gain, p.dividends,
                p.fees, p.purchase_fees, p.sale_fees, p.withholding, p.open_purchase_fees,
                p.open_purchase_fees_base, now,
            )
            for (account, symbol), p in data.positions.items()
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "cash_balances",
        columns=["account_id", "currency", "balance", "updated_at"],
        records=[(account_ids[a], cur, bal, now) for (a, cur), bal in data.cash.items()],
    )
    return (
        len(users),
        len(data.accounts),
        len(asset_ids),
        len(data.transactions),
        len(data.positions),
    )


async def _write_assets(conn: asyncpg.Connection, data: DemoData, now: datetime) -> dict[str, int]:
    """Insert the universe where missing (an asset service may have added some already)."""
    await conn.executemany(
        "INSERT INTO assets (symbol, name, asset_class, currency, exchange) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (symbol) DO NOTHING",
        [(a.symbol, a.name, a.asset_class.value, a.currency, a.exchange) for a in data.assets],
    )
    rows = await conn.fetch(
        "SELECT symbol, id FROM assets WHERE symbol = ANY($1)", [a.symbol for a in data.assets]
    )
    ids = {row["symbol"]: row["id"] for row in rows}
    await conn.executemany(
        "INSERT INTO asset_sources (asset_id, source, provider_symbol, priority) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (asset_id, source) DO NOTHING",
        [
            (ids[a.symbol], source, symbol, priority)
            for a in data.assets
            for priority, (source, symbol) in enumerate(a.sources)
        ],
    )
    priced = {
        row[0]
        for row in await conn.fetch(
            "SELECT DISTINCT asset_id FROM price_history WHERE asset_id = ANY($1)",
            list(ids.values()),
        )
    }
    fresh = {s: i for s, i in ids.items() if i not in priced}  # others keep their own history
    closes = data.closes.copy_text(
        fresh, {a.symbol: a.currency for a in data.assets}, first_trades(data), now
    )
    await conn.copy_to_table("price_history", source=io.BytesIO(closes), columns=CLOSE_COLUMNS)
    await conn.executemany(
        "INSERT INTO fx_rates (base, quote, as_of, source, rate, fetched_at) "
        "VALUES ($1, $2, $3, 'simulated', $4, $5) ON CONFLICT DO NOTHING",
        [(base, quote, ANCHOR, rate, now) for (base, quote), rate in data.fx.items()],
    )
    await conn.copy_records_to_table(
        "fx_rates",
        columns=["base", "quote", "as_of", "source", "rate", "fetched_at"],
        records=fx_rows(data.fx_history, now),
    )
    return ids
