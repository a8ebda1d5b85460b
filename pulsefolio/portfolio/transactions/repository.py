"""Queries on transactions, always scoped to their owner; keyset paging on (executed_at, id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pulsefolio.core.db.models import Asset, Transaction
from pulsefolio.core.domain import TransactionType
from pulsefolio.portfolio.transactions.schemas import TransactionQuery


async def owned(
    session: AsyncSession, user_id: int, transaction_id: int, *, for_update: bool = False
) -> Transaction | None:
    query = select(Transaction).where(
        Transaction.id == transaction_id, Transaction.user_id == user_id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def by_idempotency_key(session: AsyncSession, user_id: int, key: str) -> Transaction | None:
    query = select(Transaction).where(
        Transaction.user_id == user_id, Transaction.idempotency_key == key
    )
    return (await session.execute(query)).scalar_one_or_none()


async def asset_currency(session: AsyncSession, asset_id: int) -> str | None:
    return await session.scalar(select(Asset.currency).where(Asset.id == asset_id))


def _filtered(
    query: Select[Transaction],
    *,
    types: list[TransactionType] | None,
    asset_ids: list[int] | None,
    start: datetime | None,
    end: datetime | None,
) -> Select[Transaction]:
    if types:
        query = query.where(Transaction.type.in_(types))
    if asset_ids:
        query = query.where(Transaction.asset_id.in_(asset_ids))
    if start is not None:
        query = query.where(Transaction.executed_at >= start)
    if end is not None:
        query = query.where(Transaction.executed_at < end)
    return query


async def page(
    session: AsyncSession,
    account_id: int,
    *,
    types: list[TransactionType] | None,
    asset_id: int | None,
    start: datetime | None,
    end: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[Transaction]:
    """Newest first; ``after`` is the (executed_at, id) of the last row of the previous page."""
    query = _filtered(
        select(Transaction).where(Transaction.account_id == account_id),
        types=types,
        asset_ids=None if asset_id is None else [asset_id],
        start=start,
        end=end,
    )
    if after is not None:
        query = query.where(tuple_(Transaction.executed_at, Transaction.id) < tuple_(*after))
    query = query.order_by(Transaction.executed_at.desc(), Transaction.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


SORT_COLUMNS: dict[str, InstrumentedAttribute[object]] = {
    "executed_at": Transaction.executed_at,
    "account": Transaction.account_id,
    "symbol": Asset.symbol,
    "type": Transaction.type,
    "quantity": Transaction.quantity,
    "price": Transaction.price,
    "amount": Transaction.amount,
    "fee": Transaction.fee,
}


async def listing(
    session: AsyncSession, user_id: int, q: TransactionQuery
) -> tuple[list[Transaction], int]:
    """One page of the user's transactions across accounts, and how many match in all.

    ``sort`` is a key of :data:`SORT_COLUMNS`, with a leading ``-`` for descending; rows that
    tie (and empty values, last) keep a stable order by time and id.
    """
    query = select(Transaction).where(Transaction.user_id == user_id)
    if q.account_ids:
        query = query.where(Transaction.account_id.in_(q.account_ids))
    query = _filtered(query, types=q.types, asset_ids=q.asset_ids, start=q.start, end=q.end)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    descending = q.sort.startswith("-")
    column = SORT_COLUMNS[q.sort.lstrip("-")]
    key = column.desc().nulls_last() if descending else column.asc().nulls_last()
    tie = (Transaction.executed_at.desc(), Transaction.id.desc())
    ordered = query.outerjoin(Asset, Asset.id == Transaction.asset_id).order_by(key, *tie)
    rows = await session.execute(ordered.offset(q.offset).limit(q.limit))
    return list(rows.scalars()), int(total or 0)
