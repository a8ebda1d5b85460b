"""Queries on positions and cash balances of one account."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset, CashBalance, Position


async def positions_of(
    session: AsyncSession, account_id: int, *, include_empty: bool
) -> Sequence[Any]:
    query = (
        select(
            Position.asset_id,
            Asset.symbol,
            Asset.name,
            Asset.asset_class,
            Asset.currency,
            Position.quantity,
            Position.cost_basis,
            Position.cost_basis_base,
            Position.average_cost,
            Position.realized_gain,
            Position.dividends,
            Position.fees,
            Position.purchase_fees,
            Position.sale_fees,
            Position.withholding,
            Position.open_purchase_fees,
            Position.open_purchase_fees_base,
            Position.updated_at,
        )
        .join(Asset, Asset.id == Position.asset_id)
        .where(Position.account_id == account_id)
        .order_by(Asset.symbol)
    )
    if not include_empty:
        query = query.where(Position.quantity > 0)
    return (await session.execute(query)).mappings().all()


async def cash_of(session: AsyncSession, account_id: int) -> list[CashBalance]:
    query = (
        select(CashBalance)
        .where(CashBalance.account_id == account_id)
        .order_by(CashBalance.currency)
    )
    return list((await session.execute(query)).scalars())
