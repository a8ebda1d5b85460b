"""Queries on accounts, always scoped to their owner."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account


async def owned(
    session: AsyncSession, user_id: int, account_id: int, *, for_update: bool = False
) -> Account | None:
    """The account if ``user_id`` owns it; None for unknown ids and other users' accounts."""
    query = select(Account).where(Account.id == account_id, Account.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def of_user(session: AsyncSession, user_id: int, *, include_closed: bool) -> list[Account]:
    query = select(Account).where(Account.user_id == user_id).order_by(Account.id)
    if not include_closed:
        query = query.where(Account.closed_at.is_(None))
    return list((await session.execute(query)).scalars())
