"""Queries on assets and their price sources."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Row, case, delete, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset, AssetSource

_DAILY_PRICES = text(
    "SELECT DISTINCT ON (day) day, price, as_of, source FROM ("
    " SELECT (as_of AT TIME ZONE 'UTC')::date AS day, price, as_of, source FROM price_history"
    " WHERE asset_id = :asset_id AND as_of >= :since AND as_of < :until) p"
    " ORDER BY day, as_of DESC, source"
)


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


async def daily_prices(
    session: AsyncSession, asset_id: int, start: date, end: date
) -> list[Row[date, Decimal, datetime, str]]:
    """(day, price, as_of, source) of each UTC day from ``start`` to ``end``, oldest first."""
    since = datetime.combine(start, time(), UTC)
    until = datetime.combine(end + timedelta(days=1), time(), UTC)
    params = {"asset_id": asset_id, "since": since, "until": until}
    return list(await session.execute(_DAILY_PRICES, params))
