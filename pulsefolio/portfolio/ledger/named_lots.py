"""Checks of the lots a SELL names, before the replay checks they cover it.

A named lot is a purchase (a BUY's transaction id) of the same account and asset; an id that is
not one of the caller's purchases does not exist, whoever's it is. Lots are named only in an
account whose ``cost_method`` is ``specific``; the replay then checks each lot is still open at
the sale and the quantities add up to the sale's (:func:`~pulsefolio.portfolio.valuation.lots`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Transaction
from pulsefolio.core.domain import CostMethod, TransactionType
from pulsefolio.core.errors import ValidationFailed


def _reject(reason: str) -> ValidationFailed:
    return ValidationFailed(f"lots: {reason}", {"lots": reason})


async def check_named_lots(session: AsyncSession, tx: Transaction, method: CostMethod) -> None:
    """Raise ValidationFailed (``lots``) when ``tx`` names lots it may not."""
    if not tx.lots:
        return
    if tx.type is not TransactionType.SELL:
        raise _reject(f"only a SELL names lots, not a {tx.type.value}")
    if method is not CostMethod.SPECIFIC:
        raise _reject(f"the account's cost_method is {method.value}; lots are named with specific")
    ids = sorted({int(item["lot_id"]) for item in tx.lots})
    rows = await session.execute(
        select(Transaction.id, Transaction.account_id, Transaction.asset_id).where(
            Transaction.id.in_(ids),
            Transaction.user_id == tx.user_id,
            Transaction.type == TransactionType.BUY,
        )
    )
    found = {ident: (account_id, asset_id) for ident, account_id, asset_id in rows}
    for ident in ids:
        if ident not in found:
            raise _reject(f"lot {ident} does not exist (a lot is a purchase's transaction id)")
        account_id, asset_id = found[ident]
        if account_id != tx.account_id:
            raise _reject(f"lot {ident} belongs to another account")
        if asset_id != tx.asset_id:
            raise _reject(f"lot {ident} is a purchase of another asset")
