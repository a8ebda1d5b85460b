"""The source catalogue: the simulated market walks on from each asset's latest stored price."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets.catalog import build_sources
from pulsefolio.assets.sources.simulated import SimulatedMarket
from pulsefolio.core.db.models import PriceHistory
from pulsefolio.core.domain import AssetClass
from pulsefolio.core.settings import Settings


async def test_simulated_walk_goes_on_from_the_latest_stored_price(
    settings: Settings, engine: AsyncEngine, seed: Callable[..., object]
) -> None:
    seeded = await seed([("PRU.L", "GBP", AssetClass.STOCK, [("simulated", "PRU.L")])])
    asset_id = seeded.ids["PRU.L"]  # type: ignore[attr-defined]
    fetched = datetime(2026, 6, 1, tzinfo=UTC)
    async with engine.begin() as conn:
        for day, price in ((3, "4.90"), (10, "5.25")):
            await conn.execute(
                insert(PriceHistory).values(
                    asset_id=asset_id,
                    as_of=datetime(2026, 3, day, 21, tzinfo=UTC),
                    price=Decimal(price),
                    currency="GBP",
                    source="seed",
                    fetched_at=fetched,
                )
            )
    async with httpx.AsyncClient() as client:
        sources = await build_sources(settings, client, engine)
    market = sources["simulated"]
    assert isinstance(market, SimulatedMarket)
    assert market.start_price("PRU.L", AssetClass.STOCK) == Decimal("5.25")
    at = market.step_at(datetime(2026, 3, 10, 21, tzinfo=UTC))
    assert at > 0 and market.price("PRU.L", AssetClass.STOCK, at) == Decimal("5.25")
    # a hundred steps on, a 25%-a-year stock is still within a few percent of the latest price
    later = market.price("PRU.L", AssetClass.STOCK, at + 100)
    assert later != Decimal("5.25") and abs(later / Decimal("5.25") - 1) < Decimal("0.2")
