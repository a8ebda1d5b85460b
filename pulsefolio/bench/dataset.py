"""Synthetic benchmark data, bulk-loaded with ``COPY``.

N users, one account each (in the user's base currency), 20 distinct holdings each over
5,000 assets in five currencies; one stored price per asset and the FX rates connecting the
currencies. What is loaded is positions, not their history: no transactions are written (the
read paths measured here, engine and naive, read positions only). ``cost_basis_base`` is
filled as if converted at a trade-date rate (today's rate moved by up to ±10 %).

Users and accounts go through asyncpg's ``copy_records_to_table``. Positions, the bulk of the
data, are built as NumPy arrays and sent as one binary ``COPY`` stream of int8 columns into an
unlogged staging table, then converted to ``positions`` in one set-based ``INSERT … SELECT``
with foreign-key triggers off (the data is consistent by construction) and the indexes
rebuilt afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import numpy as np

from pulsefolio.core.db.urls import with_database

ASSETS = 5_000
HOLDINGS = 20
CURRENCIES = ("USD", "EUR", "GBP", "INR", "JPY")
USD_PER = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "INR": 0.012, "JPY": 0.0067}
FX_PAIRS = (("EUR", "USD"), ("GBP", "USD"), ("USD", "INR"), ("USD", "JPY"))
BASES = ("USD", "EUR", "GBP", "INR")
CLASSES = ("stock", "etf", "mutual_fund", "bond", "crypto")
SOURCE = "bench"
ADMIN = 1  # the user whose token reads the instances' bench status
CHUNK = 200_000
_ROW = np.dtype(
    [("n", ">i2")] + [item for i in range(5) for item in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
)
_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
STAGE = "bench_positions_stage"
SETVAL = "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"


@dataclass(frozen=True)
class LoadReport:
    users: int
    positions: int
    seconds: float


def asset_symbol(index: int) -> str:
    return f"BX{index:05d}"


def asset_currency(index: int) -> str:
    return CURRENCIES[0] if index % 2 == 0 else CURRENCIES[1 + (index // 2) % 4]


def asset_prices(seed: int = 7) -> np.ndarray:
    """The starting price of each asset (its own currency), two decimals."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(5.0, 500.0, ASSETS), 2)


def fx_rate(base: str, quote: str) -> float:
    return USD_PER[base] / USD_PER[quote]


def _positions(first: int, count: int, rng: np.random.Generator, prices: np.ndarray) -> np.ndarray:
    """Positions of users ``first .. first+count-1`` as a binary COPY row array."""
    users = np.arange(first, first + count, dtype=np.int64)
    start = rng.integers(0, ASSETS, count)
    step = rng.integers(1, (ASSETS - 1) // (HOLDINGS - 1), count)
    offsets = np.arange(HOLDINGS)
    assets = (start[:, None] + step[:, None] * offsets) % ASSETS  # distinct per user
    n = count * HOLDINGS
    quantity = rng.integers(1, 1000, n) * 10_000 + rng.integers(0, 10_000, n)  # 4 decimals
    asset_flat = assets.ravel()
    paid = prices[asset_flat] * rng.uniform(0.7, 1.3, n)
    cost = np.round(quantity / 10_000 * paid * 100).astype(np.int64)  # cents
    base = np.array([USD_PER[BASES[u % len(BASES)]] for u in range(len(BASES))])[
        np.repeat(users % len(BASES), HOLDINGS)
    ]
    asset_usd = np.array([USD_PER[asset_currency(i)] for i in range(ASSETS)])[asset_flat]
    trade_date = rng.uniform(0.9, 1.1, n)
    cost_base = np.round(cost * asset_usd / base * trade_date).astype(np.int64)
    rows = np.zeros(n, _ROW)
    rows["n"] = 5
    columns = (np.repeat(users, HOLDINGS), asset_flat + 1, quantity, cost, cost_base)
    for i, column in enumerate(columns):
        rows[f"l{i}"] = 8
        rows[f"v{i}"] = column
    return rows


def _binary_copy(users: int, seed: int, prices: np.ndarray) -> Iterator[bytes]:
    rng = np.random.default_rng(seed)
    yield _HEADER
    for first in range(1, users + 1, CHUNK):
        yield _positions(first, min(CHUNK, users + 1 - first), rng, prices).tobytes()
    yield b"\xff\xff"


class _Chunks:
    """An async iterator over ``_binary_copy`` for asyncpg's ``copy_to_table(source=...)``."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self.parts = parts

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return next(self.parts)
        except StopIteration:
            raise StopAsyncIteration from None


def _price_row(i: int, price: float, as_of: datetime) -> tuple[object, ...]:
    previous = Decimal(str(round(price * 0.99, 2)))
    return (i + 1, as_of, SOURCE, Decimal(str(price)), asset_currency(i), previous)


async def _reference(pg: asyncpg.Connection, prices: np.ndarray, as_of: datetime) -> None:
    await pg.copy_records_to_table(
        "assets",
        records=[
            (
                i + 1,
                asset_symbol(i),
                f"Bench asset {i}",
                CLASSES[i % len(CLASSES)],
                asset_currency(i),
            )
            for i in range(ASSETS)
        ],
        columns=["id", "symbol", "name", "asset_class", "currency"],
    )
    await pg.copy_records_to_table(
        "price_history",
        records=[_price_row(i, prices[i], as_of) for i in range(ASSETS)],
        columns=["asset_id", "as_of", "source", "price", "currency", "previous_close"],
    )
    await pg.copy_records_to_table(
        "fx_rates",
        records=[(b, q, as_of, SOURCE, Decimal(f"{fx_rate(b, q):.12f}")) for b, q in FX_PAIRS],
        columns=["base", "quote", "as_of", "source", "rate"],
    )


def _records(users: int, make: object) -> Iterator[list[tuple[object, ...]]]:
    for first in range(1, users + 1, CHUNK):
        yield [make(u) for u in range(first, min(first + CHUNK, users + 1))]  # type: ignore[operator]


async def _people(pg: asyncpg.Connection, users: int) -> None:
    for chunk in _records(
        users,
        lambda u: (u, f"bench{u}@bench.invalid", "!", BASES[u % len(BASES)], _role(u)),
    ):
        await pg.copy_records_to_table(
            "users",
            records=chunk,
            columns=["id", "email", "password_hash", "base_currency", "role"],
        )
    for chunk in _records(users, lambda u: (u, u, "Brokerage", BASES[u % len(BASES)])):
        await pg.copy_records_to_table(
            "accounts", records=chunk, columns=["id", "user_id", "name", "currency"]
        )


def _role(user: int) -> str:
    """User :data:`ADMIN` may read the instances' bench status and time their revaluation."""
    return "admin" if user == ADMIN else "user"


async def _holdings(pg: asyncpg.Connection, users: int, seed: int, prices: np.ndarray) -> None:
    await pg.execute(
        f"CREATE UNLOGGED TABLE {STAGE} (account_id int8, asset_id int8, quantity int8,"
        " cost int8, cost_base int8)"
    )
    await pg.copy_to_table(
        STAGE, source=_Chunks(_binary_copy(users, seed, prices)), format="binary"
    )
    await pg.execute("ALTER TABLE positions DROP CONSTRAINT pk_positions")
    await pg.execute("DROP INDEX ix_positions_asset")
    await pg.execute("SET session_replication_role = replica")
    await pg.execute(
        f"""
        INSERT INTO positions (account_id, asset_id, quantity, cost_basis, average_cost,
                               realized_gain, dividends, fees, cost_basis_base)
        SELECT account_id, asset_id, quantity::numeric / 10000, cost::numeric / 100,
               round((cost::numeric / 100) / (quantity::numeric / 10000), 10), 0, 0, 0,
               cost_base::numeric / 100
        FROM {STAGE}
        """  # noqa: S608 (constants only)
    )
    await pg.execute("SET session_replication_role = origin")
    await pg.execute(f"DROP TABLE {STAGE}")
    await pg.execute(
        "ALTER TABLE positions ADD CONSTRAINT pk_positions PRIMARY KEY (account_id, asset_id)"
    )
    await pg.execute("CREATE INDEX ix_positions_asset ON positions (asset_id)")


async def load(database_url: str, users: int, *, seed: int = 42) -> LoadReport:
    """Load ``users`` synthetic users into an empty, migrated database."""
    began = time.monotonic()
    prices = asset_prices()
    pg = await asyncpg.connect(with_database(database_url, driver=None))
    try:
        await pg.execute("SET maintenance_work_mem = '512MB'")
        async with pg.transaction():
            await _reference(pg, prices, datetime.now(UTC) - timedelta(minutes=1))
            await _people(pg, users)
            await _holdings(pg, users, seed, prices)
            for table in ("users", "accounts", "assets"):
                await pg.execute(SETVAL.format(table=table))
        await pg.execute("ANALYZE")
    finally:
        await pg.close()
    return LoadReport(users, users * HOLDINGS, time.monotonic() - began)
