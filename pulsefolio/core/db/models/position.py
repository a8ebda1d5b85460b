"""Positions: what an account holds of one asset, derived from its transactions.

Never written by hand: :mod:`pulsefolio.portfolio.ledger` recomputes the row from the
transactions in the same database transaction as every write. Amounts are in the asset's
currency; cost basis includes the purchase fees (``open_purchase_fees`` of it), other fees are
kept apart in ``fees``; ``purchase_fees``, ``sale_fees`` and ``withholding`` break every fee paid
down. ``cost_basis_base`` is the
same cost in the owner's base currency at each purchase's trade-date FX rate (null until known).
A row stays (quantity 0) after everything is sold, to keep the realized gain; it goes when no
transaction is left.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import (
    Base,
    money_type,
    price_type,
    quantity_type,
    timestamp_type,
)


class Position(Base):
    """The primary key ``(account_id, asset_id)`` also serves "positions of an account"."""

    __tablename__ = "positions"
    __table_args__ = (
        Index("ix_positions_asset", "asset_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="RESTRICT"), primary_key=True
    )
    quantity: Mapped[Decimal] = mapped_column(quantity_type())
    cost_basis: Mapped[Decimal] = mapped_column(money_type())
    cost_basis_base: Mapped[Decimal | None] = mapped_column(money_type(), nullable=True)
    average_cost: Mapped[Decimal] = mapped_column(price_type())
    realized_gain: Mapped[Decimal] = mapped_column(money_type())
    dividends: Mapped[Decimal] = mapped_column(money_type())
    fees: Mapped[Decimal] = mapped_column(money_type())
    purchase_fees: Mapped[Decimal] = mapped_column(money_type(), server_default="0")
    sale_fees: Mapped[Decimal] = mapped_column(money_type(), server_default="0")
    withholding: Mapped[Decimal] = mapped_column(money_type(), server_default="0")
    open_purchase_fees: Mapped[Decimal] = mapped_column(money_type(), server_default="0")
    open_purchase_fees_base: Mapped[Decimal | None] = mapped_column(money_type(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        timestamp_type(), server_default=func.now(), onupdate=func.now()
    )
