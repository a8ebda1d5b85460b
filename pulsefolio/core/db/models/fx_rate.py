"""FX rates: ``rate`` units of ``quote`` per one unit of ``base`` at ``as_of``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at, rate_type, timestamp_type


class FxRate(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (
        Index("ix_fx_rates_pair_latest", "base", "quote", text("as_of DESC")),
        CheckConstraint("rate > 0", name="rate_positive"),
    )

    base: Mapped[str] = mapped_column(String(3), primary_key=True)
    quote: Mapped[str] = mapped_column(String(3), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(timestamp_type(), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(rate_type())
    fetched_at: Mapped[datetime] = created_at()
