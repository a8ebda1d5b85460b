"""Every price the asset service accepted, per asset, market time and source."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import (
    Base,
    created_at,
    currency_type,
    price_type,
    timestamp_type,
)


class PriceHistory(Base):
    """Primary key ``(asset_id, as_of, source)``; ``ix_price_history_asset_latest`` answers
    "latest price of an asset" with one index probe."""

    __tablename__ = "price_history"
    __table_args__ = (
        Index("ix_price_history_asset_latest", "asset_id", text("as_of DESC")),
        CheckConstraint("price >= 0", name="price_not_negative"),
    )

    asset_id: Mapped[int] = mapped_column(
        ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[datetime] = mapped_column(timestamp_type(), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    price: Mapped[Decimal] = mapped_column(price_type())
    currency: Mapped[str] = mapped_column(currency_type())
    previous_close: Mapped[Decimal | None] = mapped_column(price_type())
    fetched_at: Mapped[datetime] = created_at()
