"""Queries behind the performance routes: a user's ledger, daily prices and FX, change marks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account, Asset, FxRate, PriceHistory, Transaction
from pulsefolio.core.domain import CostMethod

Mark = tuple[object, ...]


async def accounts_of(session: AsyncSession, user_id: int) -> dict[int, CostMethod]:
    rows = await session.execute(
        select(Account.id, Account.cost_method).where(Account.user_id == user_id)
    )
    return {ident: method for ident, method in rows}


async def transactions_of(session: AsyncSession, account_ids: Sequence[int]) -> list[Transaction]:
    query = (
        select(Transaction)
        .where(Transaction.account_id.in_(account_ids))
        .order_by(Transaction.executed_at, Transaction.id)
    )
    return list((await session.scalars(query)).all())


async def asset_ids_of(session: AsyncSession, account_ids: Sequence[int]) -> list[int]:
    query = (
        select(Transaction.asset_id)
        .where(Transaction.account_id.in_(account_ids), Transaction.asset_id.is_not(None))
        .distinct()
    )
    return sorted(a for a in await session.scalars(query) if a is not None)


async def symbols(session: AsyncSession, asset_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Asset id -> (symbol, currency)."""
    rows = await session.execute(
        select(Asset.id, Asset.symbol, Asset.currency).where(Asset.id.in_(asset_ids))
    )
    return {ident: (symbol, currency) for ident, symbol, currency in rows}


_DAILY_PRICES = text(
    "SELECT DISTINCT ON (asset_id, day) asset_id, day, price FROM ("
    "  SELECT asset_id, (as_of AT TIME ZONE 'UTC')::date AS day, as_of, price"
    "  FROM price_history WHERE asset_id = ANY(:ids)) p "
    "ORDER BY asset_id, day, as_of DESC"
)


async def daily_prices(
    session: AsyncSession, asset_ids: Sequence[int]
) -> dict[int, list[tuple[date, Decimal]]]:
    """Each asset's last stored price of each UTC day, ascending."""
    out: dict[int, list[tuple[date, Decimal]]] = {}
    for asset_id, day, price in await session.execute(_DAILY_PRICES, {"ids": list(asset_ids)}):
        out.setdefault(asset_id, []).append((day, price))
    return out


async def change_mark(
    session: AsyncSession, account_ids: Sequence[int], asset_ids: Sequence[int]
) -> Mark:
    """What a cached result depends on: the last transaction change and price/FX arrival."""
    tx = await session.execute(
        select(func.count(), func.max(Transaction.updated_at), func.max(Transaction.id)).where(
            Transaction.account_id.in_(account_ids)
        )
    )
    prices = await session.scalar(
        select(func.max(PriceHistory.fetched_at)).where(PriceHistory.asset_id.in_(asset_ids))
    )
    fx: datetime | None = await session.scalar(select(func.max(FxRate.fetched_at)))
    return (*tx.one(), prices, fx)
