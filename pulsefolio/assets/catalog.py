"""The sources this asset service can ask, built once at start-up.

The simulated market is always there: it is the default source of every asset with none of its
own, and of FX. So is the manual source, serving the prices admins entered (kept in the price
history, see :mod:`pulsefolio.assets.manual_store`). Keyless providers (Yahoo, the ECB,
Frankfurter, AMFI) are always built too, and only asked for assets whose source list names them.
Providers that need a key are built only when the settings carry one (``<name>_api_key``), so a
missing key never turns into failing calls.
"""

from __future__ import annotations

from datetime import datetime
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


_LATEST_PRICES = text(
    "SELECT a.symbol, p.price, p.as_of FROM assets a CROSS JOIN LATERAL ("
    " SELECT ph.price, ph.as_of FROM price_history ph WHERE ph.asset_id = a.id"
    " ORDER BY ph.as_of DESC, ph.source LIMIT 1) p"
)


_LATEST_USD_RATES = text(
    "SELECT DISTINCT ON (quote) quote, rate, as_of FROM fx_rates WHERE base = 'USD'"
    " ORDER BY quote, as_of DESC, source"
)


async def latest_prices(engine: AsyncEngine) -> dict[str, tuple[Decimal, datetime]]:
    """Each asset's latest stored price and its time, and each currency's latest rate per US
    dollar (as ``FX:<code>``): where the simulated walks go on from, so the first live prices
    join the stored history (the demo's daily closes and rates) without a jump."""
    async with engine.connect() as conn:
        rows = list(await conn.execute(_LATEST_PRICES))
        rates = await conn.execute(_LATEST_USD_RATES)
    anchors = {symbol: (price, as_of) for symbol, price, as_of in rows}
    anchors.update({f"FX:{quote}": (rate, as_of) for quote, rate, as_of in rates})
    return anchors


def simulated_market(
    settings: Settings, anchors: dict[str, tuple[Decimal, datetime]] | None = None
) -> SimulatedMarket:
    """The demo market: seeded like the demo data, one step per refresh interval."""
    return SimulatedMarket(
        seed=settings.demo_seed,
        step_seconds=settings.refresh_interval,
        anchors=anchors,
    )


async def build_sources(
    settings: Settings, client: httpx.AsyncClient, engine: AsyncEngine
) -> dict[str, Source]:
    sources: dict[str, Source] = {
        "simulated": simulated_market(settings, await latest_prices(engine)),
        "manual": ManualSource(HistoryManualStore(engine)),
    }
    for cls in KEYLESS:
        sources[cls.name] = cls(client)
    for cls in KEYED:
        key = _key(settings, cls.name)
        if key:
            sources[cls.name] = cls(client, key)
    return sources
