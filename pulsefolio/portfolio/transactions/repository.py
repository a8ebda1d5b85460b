"""Queries on transactions, always scoped to their owner; keyset paging on (executed_at, id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset, Transaction
from pulsefolio.core.domain import TransactionType


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
    query = select(Transaction).where(Transaction.account_id == account_id)
    if types:
        query = query.where(Transaction.type.in_(types))
    if asset_id is not None:
        query = query.where(Transaction.asset_id == asset_id)
    if start is not None:
        query = query.where(Transaction.executed_at >= start)
    if end is not None:
        query = query.where(Transaction.executed_at < end)
    if after is not None:
        query = query.where(tuple_(Transaction.executed_at, Transaction.id) < tuple_(*after))
    query = query.order_by(Transaction.executed_at.desc(), Transaction.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())
