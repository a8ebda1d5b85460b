"""Load the engine's state from PostgreSQL and the price cache.

Positions come in one streaming query: ``COPY (SELECT ...) TO STDOUT`` in PostgreSQL's binary
format, every column a fixed-width int8, so each chunk is parsed by NumPy as a structured array
without creating a Python object per row. Quantities and costs travel as scaled integers (the
columns' own scales, so exact); the rare position too large for that is fetched separately.

Prices come from the Redis cache; an asset or FX pair the cache lacks (or everything, if the
cache is down) takes the latest row of ``price_history`` / ``fx_rates`` and is marked
``origin="database"``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
import numpy as np
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache
from pulsefolio.portfolio.engine.engine import Engine
from pulsefolio.portfolio.engine.positions import (
    AccountInfo,
    Accounts,
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
_FITS = "p.quantity < 900000000 AND abs(p.cost_basis) < 9000000000000"
_OPEN = "p.quantity > 0 AND a.closed_at IS NULL"
POSITIONS_COPY = f"""
  SELECT a.user_id, p.account_id, p.asset_id,
         CASE WHEN {_FITS} THEN (p.quantity * 10000000000)::int8 ELSE 0::int8 END,
         CASE WHEN {_FITS} THEN (p.cost_basis * 1000000)::int8 ELSE 0::int8 END
  FROM positions p JOIN accounts a ON a.id = p.account_id
  WHERE {_OPEN}
"""  # noqa: S608 (constants only)
OVERSIZED = f"""
SELECT p.account_id, p.asset_id, p.quantity, p.cost_basis
FROM positions p JOIN accounts a ON a.id = p.account_id
WHERE {_OPEN} AND NOT ({_FITS})
"""  # noqa: S608 (constants only)
ACCOUNTS = """
SELECT a.id, a.user_id, a.name, a.currency, u.base_currency
FROM accounts a JOIN users u ON u.id = a.user_id
WHERE a.closed_at IS NULL ORDER BY a.user_id, a.id
"""
USERS = """
SELECT u.id AS user_id, u.base_currency, a.id AS account_id, a.name, a.currency,
       p.asset_id, p.quantity, p.cost_basis
FROM users u
LEFT JOIN accounts a ON a.user_id = u.id AND a.closed_at IS NULL
LEFT JOIN positions p ON p.account_id = a.id AND p.quantity > 0
WHERE u.id = ANY($1::bigint[])
ORDER BY u.id, a.id, p.asset_id
"""
ASSETS = "SELECT id, symbol, name, asset_class, currency FROM assets"
LATEST_PRICES = """
SELECT DISTINCT ON (asset_id) asset_id, price, currency, as_of, source, previous_close
FROM price_history WHERE asset_id = ANY($1::bigint[]) ORDER BY asset_id, as_of DESC
"""
LATEST_FX = """
SELECT DISTINCT ON (base, quote) base, quote, rate, as_of, source
FROM fx_rates ORDER BY base, quote, as_of DESC
"""

_FIELDS = 5
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


async def _driver(db: AsyncEngine, work: Any) -> Any:
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
            board.fx[pair] = HeldRate(r["rate"], r["as_of"], r["source"], DATABASE)


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


async def load_engine(db: AsyncEngine, cache: PriceCache) -> Engine:
    """Build the engine: assets, prices, FX, accounts and every open position."""

    async def work(pg: asyncpg.Connection) -> Engine:
        board = PriceBoard([_asset(r) for r in await pg.fetch(ASSETS)])
        await _prices(pg, board, cache, range(len(board)))
        await _fx(pg, board, cache)
        accounts, base_users, base_codes, codes = _accounts(await pg.fetch(ACCOUNTS))
        sink = _BinaryRows()
        async with pg.transaction(readonly=True, isolation="repeatable_read"):
            await pg.copy_from_query(POSITIONS_COPY, output=sink, format="binary")
            big = await pg.fetch(OVERSIZED)
        users, account_ids, asset_ids, quantity_int, cost_int = sink.columns()
        lookup = np.zeros(max(board.index, default=0) + 1, np.int64)
        lookup[list(board.index)] = list(board.index.values())
        oversized = {
            (r["account_id"], board.index[r["asset_id"]]): (r["quantity"], r["cost_basis"])
            for r in big
        }
        bulk = build_bulk(
            n_assets=len(board),
            position_users=users,
            position_accounts=account_ids,
            position_assets=lookup[asset_ids] if len(asset_ids) else asset_ids,
            quantity_int=quantity_int,
            cost_int=cost_int,
            oversized=oversized,
            accounts=accounts,
            base_users=base_users,
            base_codes=base_codes,
            codes=codes,
        )
        return Engine(board, bulk)

    return await _driver(db, work)


async def load_users(
    db: AsyncEngine, cache: PriceCache, engine: Engine, user_ids: Sequence[int]
) -> list[UserBook]:
    """Reload these users' accounts and open positions (one query) into the engine."""

    async def work(pg: asyncpg.Connection) -> list[UserBook]:
        rows = await pg.fetch(USERS, list(user_ids))
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
            book.base_currency = r["base_currency"]
            account = r["account_id"]
            if account is not None and (not book.accounts or book.accounts[-1].id != account):
                book.accounts.append(AccountInfo(account, r["user_id"], r["name"], r["currency"]))
            if r["asset_id"] is not None:
                asset = engine.board.index[r["asset_id"]]
                book.holdings.append(Holding(account, asset, r["quantity"], r["cost_basis"]))
        for book in books.values():
            engine.replace_user(book)
        return list(books.values())

    return await _driver(db, work)
