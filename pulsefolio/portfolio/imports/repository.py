"""Queries of imports: transactions an earlier upload with the same key created, the export."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account, Asset, Transaction


async def keyed(session: AsyncSession, user_id: int, prefix: str) -> list[tuple[int, str]]:
    """(id, idempotency_key) of the user's transactions whose key starts with ``prefix``.

    ``prefix`` is hexadecimal and colons only, so it needs no LIKE escaping.
    """
    query = (
        select(Transaction.id, Transaction.idempotency_key)
        .where(Transaction.user_id == user_id, Transaction.idempotency_key.startswith(prefix))
        .order_by(Transaction.id)
    )
    return [(ident, key or "") for ident, key in await session.execute(query)]


async def ledger(
    session: AsyncSession, user_id: int, account_id: int | None
) -> Sequence[Row[Transaction, str, str]]:
    """The user's transactions (one account's, if given) with account name and symbol, oldest
    first in the order the ledger replays them."""
    query = (
        select(Transaction, Account.name, Asset.symbol)
        .join(Account, Account.id == Transaction.account_id)
        .outerjoin(Asset, Asset.id == Transaction.asset_id)
        .where(Transaction.user_id == user_id)
        .order_by(Transaction.executed_at, Transaction.id)
    )
    if account_id is not None:
        query = query.where(Transaction.account_id == account_id)
    return (await session.execute(query)).all()
