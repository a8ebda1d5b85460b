"""Queries on assets and their price sources."""

from __future__ import annotations

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset, AssetSource


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(session: AsyncSession, q: str | None, limit: int, offset: int) -> list[Asset]:
    """Assets matching ``q``: exact symbol or ISIN first, then symbol prefix, then name."""
    query = select(Asset)
    if q:
        upper = q.strip().upper()
        query = query.where(
            or_(
                Asset.symbol.startswith(_like(upper), escape="\\"),
                Asset.isin == upper,
                Asset.name.ilike(f"%{_like(q.strip())}%", escape="\\"),
            )
        ).order_by(
            case((or_(Asset.symbol == upper, Asset.isin == upper), 0), else_=1),
            case((Asset.symbol.startswith(_like(upper), escape="\\"), 0), else_=1),
            func.length(Asset.symbol),
            Asset.symbol,
        )
    else:
        query = query.order_by(Asset.symbol)
    result = await session.execute(query.limit(limit).offset(offset))
    return list(result.scalars())


async def by_symbol(session: AsyncSession, symbol: str) -> Asset | None:
    return (await session.execute(select(Asset).where(Asset.symbol == symbol))).scalar_one_or_none()


async def sources_of(session: AsyncSession, asset_id: int) -> list[AssetSource]:
    result = await session.execute(
        select(AssetSource).where(AssetSource.asset_id == asset_id).order_by(AssetSource.priority)
    )
    return list(result.scalars())


async def replace_sources(
    session: AsyncSession, asset_id: int, sources: list[tuple[str, str]]
) -> None:
    await session.execute(delete(AssetSource).where(AssetSource.asset_id == asset_id))
    for priority, (source, provider_symbol) in enumerate(sources):
        session.add(
            AssetSource(
                asset_id=asset_id,
                source=source,
                provider_symbol=provider_symbol,
                priority=priority,
            )
        )
