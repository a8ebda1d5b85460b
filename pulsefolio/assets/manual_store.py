"""Manual prices kept where every asset-service process sees them: the price history.

An entered price is a ``price_history`` row with source ``manual``, so it survives restarts,
needs no table of its own, and whichever process leads serves it through the manual source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets import repository
from pulsefolio.assets.sources.manual import ManualPrice
from pulsefolio.core.db.models import Asset, PriceHistory
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.errors import NotFound

SOURCE = "manual"


class HistoryManualStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def latest(self, symbols: Sequence[str]) -> Mapping[str, ManualPrice]:
        """The newest manual price per symbol (our platform symbol), where there is one."""
        if not symbols:
            return {}
        query = (
            select(
                Asset.symbol,
                PriceHistory.price,
                PriceHistory.currency,
                PriceHistory.as_of,
                PriceHistory.previous_close,
            )
            .join(Asset, Asset.id == PriceHistory.asset_id)
            .where(PriceHistory.source == SOURCE, Asset.symbol.in_(set(symbols)))
            .order_by(Asset.symbol, PriceHistory.as_of.desc())
            .ext(distinct_on(Asset.symbol))
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return {
                s: ManualPrice(s, price, currency, as_of, previous)
                for s, price, currency, as_of, previous in rows
            }

    async def put(self, prices: Sequence[ManualPrice]) -> None:
        """Record prices (from a CSV import); raises NotFound naming an unknown symbol."""
        assets = await repository.assets_by_symbol(self.engine, [p.symbol for p in prices])
        missing = sorted({p.symbol for p in prices} - set(assets))
        if missing:
            raise NotFound(f"no asset {', '.join(missing)}")
        now = datetime.now(UTC)
        rows = [
            (
                assets[p.symbol].id,
                PriceQuote(p.symbol, p.price, p.currency, p.as_of, now, SOURCE, p.previous_close),
            )
            for p in prices
        ]
        await repository.insert_history(self.engine, rows)
