"""Load a user's ledger, prices and FX and replay them into lots and a daily value history.

Accounts and holdings are keyed by their ids as strings (``"12"``), the names the
:mod:`pulsefolio.portfolio.valuation` functions work with. Each entry's ``fx_rate`` is its
trade-date rate by the rule of :mod:`pulsefolio.portfolio.ledger.fx` (with any stored rate
standing in for old entries written before the rate was required, and 1 without any rate).

Results are cached in-process per scope, keyed by the change mark of
:func:`.repository.change_mark` (last transaction change, last price and FX arrival), the
base currency, the cost methods and today's date; a new mark simply misses.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Transaction
from pulsefolio.core.domain import CostMethod
from pulsefolio.core.domain import TransactionType as T
from pulsefolio.portfolio.ledger.fx import load_points, pick
from pulsefolio.portfolio.ledger.rules import Entry, named_lots, to_ledger_entry
from pulsefolio.portfolio.performance import repository
from pulsefolio.portfolio.valuation import (
    AccountLots,
    History,
    LedgerEntry,
    Series,
    build_history,
    replay_accounts,
)

ONE = Decimal(1)
CACHE_SIZE = 64  # scopes; a 10-year, 180-holding scope holds about 34 MB of arrays


@dataclass(frozen=True)
class Scope:
    """One user's accounts (all, or one) replayed and valued day by day up to ``today``."""

    base_currency: str
    today: date
    entries: tuple[LedgerEntry, ...]
    books: dict[str, AccountLots]
    history: History | None  # None: no transaction yet
    assets: dict[int, tuple[str, str]]  # asset id -> (symbol, currency)
    fx: dict[str, Series]


_cache: OrderedDict[tuple[object, ...], Scope] = OrderedDict()


async def load_scope(
    session: AsyncSession,
    user_id: int,
    base_currency: str,
    account_ids: Sequence[int],
    capitalize: bool = True,
) -> Scope:
    """The replayed scope of ``account_ids`` (all owned by ``user_id``), from cache if current;
    ``capitalize``: purchase fees in the cost basis."""
    methods = await repository.accounts_of(session, user_id)
    ids = sorted(account_ids)
    today = datetime.now(UTC).date()
    asset_ids = await repository.asset_ids_of(session, ids)
    mark = await repository.change_mark(session, ids, asset_ids)
    key = (tuple(ids), tuple(methods[i] for i in ids), base_currency, today, mark, capitalize)
    cached = _cache.get(key)
    if cached is not None:
        _cache.move_to_end(key)
        return cached
    rows = await repository.transactions_of(session, ids)
    by_id = {str(i): methods[i] for i in ids}
    scope = await _compute(session, rows, by_id, base_currency, today, capitalize)
    _cache[key] = scope
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return scope


async def _compute(
    session: AsyncSession,
    rows: Sequence[Transaction],
    methods: dict[str, CostMethod],
    base: str,
    today: date,
    capitalize: bool,
) -> Scope:
    asset_ids = sorted({row.asset_id for row in rows if row.asset_id is not None})
    assets = await repository.symbols(session, asset_ids)
    currencies = sorted({row.currency for row in rows} - {base})
    points = {c: await load_points(session, c, base) for c in currencies}
    fx = {c: Series.of(p) for c, p in points.items() if p}
    entries = tuple(_entry(row, base, points, today) for row in rows)
    books = replay_accounts(entries, methods, capitalize)
    prices = {
        str(asset_id): Series.of(daily)
        for asset_id, daily in (await repository.daily_prices(session, asset_ids)).items()
    }
    history = build_history(entries, prices, fx, base, end=today) if entries else None
    return Scope(base, today, entries, books, history, assets, fx)


def _entry(
    row: Transaction, base: str, points: dict[str, list[tuple[date, Decimal]]], today: date
) -> LedgerEntry:
    rate = ONE
    if row.currency != base:
        series = points.get(row.currency) or []
        day = row.executed_at.astimezone(UTC).date()
        rate = pick(series, day, today) or _nearest(series, day) or ONE
    entry = Entry(
        row.id,
        row.type,
        row.executed_at,
        row.quantity,
        row.price,
        row.amount,
        row.fee,
        row.split_numerator,
        row.split_denominator,
    )
    plain = to_ledger_entry(entry, rate)
    symbol = str(row.asset_id) if row.asset_id is not None and row.type is not T.INTEREST else None
    if row.type in (T.DEPOSIT, T.WITHDRAWAL):
        symbol = None
    return LedgerEntry(
        plain.id,
        plain.type,
        plain.executed_at,
        symbol,
        plain.quantity,
        plain.price,
        plain.fee,
        row.currency,
        plain.split,
        rate,
        str(row.account_id),
        named_lots(row.lots),
    )


def _nearest(series: list[tuple[date, Decimal]], day: date) -> Decimal | None:
    if not series:
        return None
    return min(series, key=lambda p: abs((p[0] - day).days))[1]
