"""The ordered list of price sources for each asset and the symbol each source knows it by.

Lower ``priority`` is tried first; the asset service falls back down the list.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base


class AssetSource(Base):
    __tablename__ = "asset_sources"
    __table_args__ = (
        Index("ux_asset_sources_asset_source", "asset_id", "source", unique=True),
        Index("ix_asset_sources_asset_priority", "asset_id", "priority"),
        Index("ix_asset_sources_source_symbol", "source", "provider_symbol"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    provider_symbol: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(SmallInteger)
