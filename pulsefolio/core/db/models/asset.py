"""Assets: anything with a price, identified by one platform-wide symbol.

Which provider serves the price, under which provider symbol, is in :mod:`.asset_source`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Identity, String
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at, currency_type, enum_type
from pulsefolio.core.domain import AssetClass


class Asset(Base):
    __tablename__ = "assets"
    __table_args__ = (CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    symbol: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    asset_class: Mapped[AssetClass] = mapped_column(enum_type(AssetClass, "asset_class"))
    currency: Mapped[str] = mapped_column(currency_type())
    exchange: Mapped[str | None] = mapped_column(String(32))
    isin: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = created_at()
