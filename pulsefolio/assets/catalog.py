"""The sources this asset service can ask, built once at start-up.

The simulated market is always there: it is the default source of every asset with none of its
own, and of FX. So is the manual source, serving the prices admins entered (kept in the price
history, see :mod:`pulsefolio.assets.manual_store`). Keyless providers (Yahoo, the ECB,
Frankfurter, AMFI) are always built too, and only asked for assets whose source list names them.
Providers that need a key are built only when the settings carry one (``<name>_api_key``), so a
missing key never turns into failing calls.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets.manual_store import HistoryManualStore
from pulsefolio.assets.sources.alphavantage import AlphaVantageSource
from pulsefolio.assets.sources.amfi import AmfiSource
from pulsefolio.assets.sources.base import Source
from pulsefolio.assets.sources.ecb import EcbSource
from pulsefolio.assets.sources.finnhub import FinnhubSource
from pulsefolio.assets.sources.frankfurter import FrankfurterSource
from pulsefolio.assets.sources.manual import ManualSource
from pulsefolio.assets.sources.simulated import SimulatedMarket
from pulsefolio.assets.sources.twelvedata import TwelveDataSource
from pulsefolio.assets.sources.yahoo import YahooSource
from pulsefolio.core.settings import Settings

KEYLESS: tuple[Any, ...] = (YahooSource, EcbSource, FrankfurterSource, AmfiSource)
KEYED: tuple[Any, ...] = (AlphaVantageSource, TwelveDataSource, FinnhubSource)


def _key(settings: Settings, name: str) -> str | None:
    value = getattr(settings, f"{name}_api_key", None)
    if value is None:
        return None
    secret = value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)
    return secret or None


_FIRST_PRICES = text(
    "SELECT DISTINCT ON (ph.asset_id) a.symbol, ph.price FROM price_history ph"
    " JOIN assets a ON a.id = ph.asset_id ORDER BY ph.asset_id, ph.as_of, ph.source"
)


async def first_prices(engine: AsyncEngine) -> dict[str, Decimal]:
    """Each asset's oldest stored price: where its simulated walk starts, in every process."""
    async with engine.connect() as conn:
        rows = await conn.execute(_FIRST_PRICES)
        return {symbol: price for symbol, price in rows}


def simulated_market(
    settings: Settings, start_prices: dict[str, Decimal] | None = None
) -> SimulatedMarket:
    """The demo market: seeded like the demo data, one step per refresh interval."""
    return SimulatedMarket(
        seed=settings.demo_seed,
        step_seconds=settings.refresh_interval,
        start_prices=start_prices,
    )


async def build_sources(
    settings: Settings, client: httpx.AsyncClient, engine: AsyncEngine
) -> dict[str, Source]:
    sources: dict[str, Source] = {
        "simulated": simulated_market(settings, await first_prices(engine)),
        "manual": ManualSource(HistoryManualStore(engine)),
    }
    for cls in KEYLESS:
        sources[cls.name] = cls(client)
    for cls in KEYED:
        key = _key(settings, cls.name)
        if key:
            sources[cls.name] = cls(client, key)
    return sources
