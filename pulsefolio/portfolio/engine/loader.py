"""Load the engine's state from PostgreSQL and the price cache.

Positions come in one streaming query: ``COPY (SELECT ...) TO STDOUT`` in PostgreSQL's binary
format, every column a fixed-width int8, so each chunk is parsed by NumPy as a structured array
without creating a Python object per row. Quantities and costs travel as scaled integers (the
columns' own scales, so exact); the rare position too large for that is fetched separately.
Cash balances come the same way in one more COPY in the same snapshot (the currency packed
into an int8 as its three letters), and join the positions as holdings of the board's cash
pseudo-assets.

Prices come from the Redis cache; an asset or FX pair the cache lacks (or everything, if the
cache is down) takes the latest row of ``price_history`` / ``fx_rates`` and is marked
``origin="database"``.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import asyncpg
import numpy as np
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache
from pulsefolio.core.money import ZERO
from pulsefolio.core.partition import Partition
from pulsefolio.portfolio.engine.engine import Engine
from pulsefolio.portfolio.engine.positions import (
    NO_COST_BASE,
    AccountInfo,
    Accounts,
    Cash,
    Holding,
    UserBook,
    build_bulk,
)
from pulsefolio.portfolio.engine.prices import (
    CACHE,
    DATABASE,
    AssetInfo,
    HeldRate,
    PriceBoard,
    Quote,
)

log = logging.getLogger(__name__)

# Limits keep (quantity * 10^10) and (cost * 10^6) inside int64.
_FITS = (
    "p.quantity < 900000000 AND abs(p.cost_basis) < 9000000000000"
    " AND abs(coalesce(p.cost_basis_base, 0)) < 9000000000000"
)
_OPEN = "p.quantity > 0 AND a.closed_at IS NULL"
POSITIONS_COPY = f"""
  SELECT a.user_id, p.account_id, p.asset_id,
         CASE WHEN {_FITS} THEN (p.quantity * 10000000000)::int8 ELSE 0::int8 END,
         CASE WHEN {_FITS} THEN ({{cost}} * 1000000)::int8 ELSE 0::int8 END,
         CASE WHEN {_FITS} AND p.cost_basis_base IS NOT NULL
              THEN ({{cost_base}} * 1000000)::int8 ELSE '{NO_COST_BASE}'::int8 END
  FROM positions p JOIN accounts a ON a.id = p.account_id
  WHERE {{owned}} {_OPEN}
"""  # noqa: S608 (constants only)
_CASH_FITS = "abs(c.balance) < 900000000"
_CASH_OPEN = "c.balance <> 0 AND a.closed_at IS NULL"
_PACKED = (
    "(ascii(substr(c.currency, 1, 1)) * 65536 + ascii(substr(c.currency, 2, 1)) * 256"
    " + ascii(substr(c.currency, 3, 1)))::int8"
)
CASH_COPY = f"""
  SELECT a.user_id, c.account_id, {_PACKED},
         CASE WHEN {_CASH_FITS} THEN (c.balance * 10000000000)::int8 ELSE 0::int8 END,
         0::int8, '{NO_COST_BASE}'::int8
  FROM cash_balances c JOIN accounts a ON a.id = c.account_id
  WHERE {{owned}} {_CASH_OPEN}
"""  # noqa: S608 (constants only)
CASH_OVERSIZED = f"""
SELECT c.account_id, c.currency, c.balance
FROM cash_balances c JOIN accounts a ON a.id = c.account_id
WHERE {{owned}} {_CASH_OPEN} AND NOT ({_CASH_FITS})
"""  # noqa: S608 (constants only)
OVERSIZED = f"""
SELECT p.account_id, p.asset_id, p.quantity,
       {{cost}} AS cost_basis, {{cost_base}} AS cost_basis_base
FROM positions p JOIN accounts a ON a.id = p.account_id
WHERE {{owned}} {_OPEN} AND NOT ({_FITS})
"""  # noqa: S608 (constants only)
ACCOUNTS = """
SELECT a.id, a.user_id, a.name, a.currency, u.base_currency
FROM accounts a JOIN users u ON u.id = a.user_id
WHERE {owned} a.closed_at IS NULL ORDER BY a.user_id, a.id
"""
USERS = """
SELECT u.id AS user_id, 0 AS kind, u.base_currency, a.id AS account_id, a.name, a.currency,
       p.asset_id, p.quantity, {cost} AS cost_basis, {cost_base} AS cost_basis_base
FROM users u
LEFT JOIN accounts a ON a.user_id = u.id AND a.closed_at IS NULL
LEFT JOIN positions p ON p.account_id = a.id AND p.quantity > 0
WHERE u.id = ANY($1::bigint[])
UNION ALL
SELECT a.user_id, 1, NULL, c.account_id, NULL, c.currency, NULL, c.balance, NULL, NULL
FROM cash_balances c JOIN accounts a ON a.id = c.account_id
WHERE a.user_id = ANY($1::bigint[]) AND c.balance <> 0 AND a.closed_at IS NULL
ORDER BY user_id, kind, account_id, asset_id, currency
"""
ASSETS = "SELECT id, symbol, name, asset_class, currency FROM assets"
# The cost basis the queries above read: as stored (purchase fees in it), or without the open
# lots' purchase fees (``purchase_fees_in_cost_basis`` off).
_COST = {
    True: {"cost": "p.cost_basis", "cost_base": "p.cost_basis_base"},
    False: {
        "cost": "(p.cost_basis - p.open_purchase_fees)",
        "cost_base": "(p.cost_basis_base - coalesce(p.open_purchase_fees_base, 0))",
    },
}
LATEST_PRICES = """
SELECT DISTINCT ON (asset_id) asset_id, price, currency, as_of, source, previous_close
FROM price_history WHERE asset_id = ANY($1::bigint[]) ORDER BY asset_id, as_of DESC
"""
LATEST_FX = """
SELECT DISTINCT ON (base, quote) base, quote, rate, as_of, source
FROM fx_rates ORDER BY base, quote, as_of DESC
"""

_FIELDS = 6
_ROW = np.dtype(
    [("n", ">i2")] + [item for i in range(_FIELDS) for item in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
)
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_PARSE_EVERY = 4 << 20


class _BinaryRows:
    """Collects a binary COPY stream of ``_FIELDS`` int8 columns into NumPy columns."""

    def __init__(self) -> None:
        self.pending = bytearray()
        self.header_done = False
        self.parts: list[np.ndarray] = []

    async def __call__(self, chunk: bytes) -> None:
        self.pending += chunk
        if len(self.pending) >= _PARSE_EVERY:
            self._parse()

    def _parse(self) -> None:
        if not self.header_done:
            if len(self.pending) < 19:
                return
            if bytes(self.pending[:11]) != _SIGNATURE:
                raise ValueError("not a PostgreSQL binary COPY stream")
            extension = int.from_bytes(self.pending[15:19], "big")
            del self.pending[: 19 + extension]
            self.header_done = True
        count = len(self.pending) // _ROW.itemsize
        if count:
            rows = np.frombuffer(self.pending, _ROW, count)
            if (rows["n"] != _FIELDS).any():
                raise ValueError("unexpected row layout in COPY stream")
            self.parts.append(
                np.column_stack([rows[f"v{i}"].astype(np.int64) for i in range(_FIELDS)])
            )
            del rows
            del self.pending[: count * _ROW.itemsize]

    def columns(self) -> list[np.ndarray]:
        self._parse()
        if self.pending not in (bytearray(b"\xff\xff"), bytearray()):
            raise ValueError("truncated COPY stream")
        table = np.concatenate(self.parts) if self.parts else np.zeros((0, _FIELDS), np.int64)
        self.parts.clear()
        return [np.ascontiguousarray(table[:, i]) for i in range(_FIELDS)]


T = TypeVar("T")


async def _driver(db: AsyncEngine, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with db.connect() as conn:
        raw = await conn.get_raw_connection()
        return await work(raw.driver_connection)


def _asset(row: asyncpg.Record) -> AssetInfo:
    return AssetInfo(
        row["id"], row["symbol"], row["name"], str(row["asset_class"]), row["currency"]
    )


async def _db_prices(pg: asyncpg.Connection, board: PriceBoard, indexes: Sequence[int]) -> None:
    ids = [board.assets[i].id for i in indexes]
    for r in await pg.fetch(LATEST_PRICES, ids) if ids else []:
        quote = Quote(
            r["price"], r["previous_close"], r["currency"], r["as_of"], r["source"], DATABASE
        )
        board.set_quote(board.index[r["asset_id"]], quote)


async def _prices(
    pg: asyncpg.Connection, board: PriceBoard, cache: PriceCache, indexes: Sequence[int]
) -> None:
    """Quotes for assets ``indexes``: cache first, then the database for the rest."""
    symbols = [board.assets[i].symbol for i in indexes]
    try:
        board.apply_quotes((await cache.get_prices(symbols)).values(), CACHE)
    except (RedisError, OSError) as exc:
        log.warning("price cache unavailable, using stored prices: %s", exc)
    await _db_prices(pg, board, [i for i in indexes if board.quotes[i] is None])


async def _fx(pg: asyncpg.Connection, board: PriceBoard, cache: PriceCache) -> None:
    try:
        board.apply_fx((await cache.get_fx()).values(), CACHE)
    except (RedisError, OSError) as exc:
        log.warning("FX cache unavailable, using stored rates: %s", exc)
    for r in await pg.fetch(LATEST_FX):
        pair = r["base"] + r["quote"]
        if pair not in board.fx:
            board.set_rate(pair, HeldRate(r["rate"], r["as_of"], r["source"], DATABASE))


def _accounts(rows: Sequence[asyncpg.Record]) -> tuple[Accounts, np.ndarray, np.ndarray, list[str]]:
    codes: dict[str, int] = {}
    names = [r["name"].encode() for r in rows]
    offsets = np.zeros(len(rows) + 1, np.int64)
    np.cumsum([len(n) for n in names], out=offsets[1:])
    ids = np.fromiter((r["id"] for r in rows), np.int64, len(rows))
    users = np.fromiter((r["user_id"] for r in rows), np.int64, len(rows))
    currencies = np.fromiter(
        (codes.setdefault(r["currency"], len(codes)) for r in rows), np.int16, len(rows)
    )
    base = np.fromiter(
        (codes.setdefault(r["base_currency"], len(codes)) for r in rows), np.int16, len(rows)
    )
    by_id = np.argsort(ids, kind="stable")
    accounts = Accounts(
        ids, users, currencies, offsets, b"".join(names), list(codes), by_id, ids[by_id]
    )
    return accounts, users, base, list(codes)


def _unpack_currencies(packed: np.ndarray) -> list[str]:
    """Currency codes from :data:`_PACKED` integers."""
    return [
        bytes([(int(p) >> 16) & 255, (int(p) >> 8) & 255, int(p) & 255]).decode() for p in packed
    ]


def _cash_assets(board: PriceBoard, packed: np.ndarray) -> np.ndarray:
    """The board's cash pseudo-asset index for each packed currency (registered as needed)."""
    codes, inverse = np.unique(packed, return_inverse=True)
    indexes = np.array([board.cash_index(c) for c in _unpack_currencies(codes)], np.int64)
    return indexes[inverse] if len(packed) else np.zeros(0, np.int64)


def _owned(part: Partition | None) -> str:
    """The start of a WHERE clause on ``a`` (accounts) that keeps ``part``'s users only; each
    start-up query has an ``{owned}`` slot for it."""
    if part is None:
        return ""
    return f"a.user_id % {int(part.count)} = {int(part.index)} AND"


async def load_engine(
    db: AsyncEngine, cache: PriceCache, part: Partition | None = None, capitalize: bool = True
) -> Engine:
    """Build the engine: assets, prices, FX, and the accounts and open positions of every user
    (of ``part``'s users only, when given; ``capitalize``: purchase fees in the cost basis)."""

    async def work(pg: asyncpg.Connection) -> Engine:
        board = PriceBoard([_asset(r) for r in await pg.fetch(ASSETS)])
        await _prices(pg, board, cache, range(len(board)))
        await _fx(pg, board, cache)
        owned = _owned(part)
        accounts, base_users, base_codes, codes = _accounts(
            await pg.fetch(ACCOUNTS.format(owned=owned))
        )
        sink, cash_sink = _BinaryRows(), _BinaryRows()
        async with pg.transaction(readonly=True, isolation="repeatable_read"):
            cost = _COST[capitalize]
            positions = POSITIONS_COPY.format(**cost, owned=owned)
            await pg.copy_from_query(positions, output=sink, format="binary")
            big = await pg.fetch(OVERSIZED.format(**cost, owned=owned))
            cash_copy = CASH_COPY.format(owned=owned)
            await pg.copy_from_query(cash_copy, output=cash_sink, format="binary")
            big_cash = await pg.fetch(CASH_OVERSIZED.format(owned=owned))
        users, account_ids, asset_ids, quantity_int, cost_int, cost_base_int = sink.columns()
        cash = cash_sink.columns()
        real = {i: idx for i, idx in board.index.items() if i > 0}
        lookup = np.zeros(max(real, default=0) + 1, np.int64)
        lookup[list(real)] = list(real.values())
        assets = lookup[asset_ids] if len(asset_ids) else asset_ids
        cash_assets = _cash_assets(board, cash[2])  # registers them: before n_assets is taken
        oversized = {
            (r["account_id"], board.index[r["asset_id"]]): (
                r["quantity"],
                r["cost_basis"],
                r["cost_basis_base"],
            )
            for r in big
        }
        for r in big_cash:
            key = (r["account_id"], board.cash_index(r["currency"]))
            oversized[key] = (r["balance"], ZERO, None)
        bulk = build_bulk(
            n_assets=len(board),
            position_users=np.concatenate([users, cash[0]]),
            position_accounts=np.concatenate([account_ids, cash[1]]),
            position_assets=np.concatenate([assets, cash_assets]),
            quantity_int=np.concatenate([quantity_int, cash[3]]),
            cost_int=np.concatenate([cost_int, cash[4]]),
            cost_base_int=np.concatenate([cost_base_int, cash[5]]),
            oversized=oversized,
            accounts=accounts,
            base_users=base_users,
            base_codes=base_codes,
            codes=codes,
        )
        return Engine(board, bulk)

    engine = await _driver(db, work)
    _release_freed_memory()
    _freeze_loaded_objects()
    return engine


def _freeze_loaded_objects() -> None:
    """Move what the loading made (one record per account: a million at a million users) out
    of the cyclic collector's reach: they live as long as the process, and a full collection
    walking them is a pause every request waiting on the event loop pays."""
    gc.collect()
    gc.freeze()


def _release_freed_memory() -> None:
    """Hand the loading's freed heap (a million account records, sort copies) back to the OS:
    glibc keeps it otherwise, and an instance's resident size stays at its loading peak."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


async def load_users(
    db: AsyncEngine,
    cache: PriceCache,
    engine: Engine,
    user_ids: Sequence[int],
    capitalize: bool = True,
) -> list[UserBook]:
    """Reload these users' accounts, open positions and cash (one query: positions rows, then
    cash rows, ``kind`` 1, carrying the balance as ``quantity``) into the engine."""

    async def work(pg: asyncpg.Connection) -> list[UserBook]:
        rows = await pg.fetch(USERS.format(**_COST[capitalize]), list(user_ids))
        unknown = {
            r["asset_id"] for r in rows if r["asset_id"] is not None
        } - engine.board.index.keys()
        if unknown:
            fresh = await pg.fetch(ASSETS + " WHERE id = ANY($1::bigint[])", list(unknown))
            await _prices(
                pg, engine.board, cache, engine.board.add_assets(_asset(r) for r in fresh)
            )
        books: dict[int, UserBook] = {u: UserBook(u, "USD", [], []) for u in user_ids}
        for r in rows:
            book = books[r["user_id"]]
            if r["kind"] == 1:
                asset = engine.board.cash_index(r["currency"])
                book.cash.append(Cash(r["account_id"], r["currency"], r["quantity"], asset))
                continue
            book.base_currency = r["base_currency"]
            account = r["account_id"]
            if account is not None and (not book.accounts or book.accounts[-1].id != account):
                book.accounts.append(AccountInfo(account, r["user_id"], r["name"], r["currency"]))
            if r["asset_id"] is not None:
                asset = engine.board.index[r["asset_id"]]
                book.holdings.append(
                    Holding(account, asset, r["quantity"], r["cost_basis"], r["cost_basis_base"])
                )
        for book in books.values():
            engine.replace_user(book)
        return list(books.values())

    return await _driver(db, work)
