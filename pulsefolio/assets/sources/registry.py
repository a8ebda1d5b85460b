"""Source names, as used in settings and in each asset's source list, mapped to their classes.

An explicit map rather than a plugin scan: adding a provider means adding its line here.
Constructors differ (HTTP sources take a client and maybe a key, the manual source a store, the
simulated market a seed), so building instances from settings belongs to the asset service.
"""

from __future__ import annotations

from pulsefolio.assets.sources.alphavantage import AlphaVantageSource
from pulsefolio.assets.sources.amfi import AmfiSource
from pulsefolio.assets.sources.base import FxSource, QuoteSource, Source
from pulsefolio.assets.sources.ecb import EcbSource
from pulsefolio.assets.sources.finnhub import FinnhubSource
from pulsefolio.assets.sources.frankfurter import FrankfurterSource
from pulsefolio.assets.sources.manual import ManualSource
from pulsefolio.assets.sources.simulated import SimulatedMarket
from pulsefolio.assets.sources.twelvedata import TwelveDataSource
from pulsefolio.assets.sources.yahoo import YahooSource

SOURCES: dict[str, type[Source]] = {
    source.name: source
    for source in (
        SimulatedMarket,
        ManualSource,
        YahooSource,
        AlphaVantageSource,
        TwelveDataSource,
        FinnhubSource,
        AmfiSource,
        EcbSource,
        FrankfurterSource,
    )
}

NEEDS_KEY = frozenset(name for name, cls in SOURCES.items() if getattr(cls, "needs_key", False))


def source_class(name: str) -> type[Source]:
    """The class registered under ``name``; KeyError names the known ones."""
    try:
        return SOURCES[name]
    except KeyError:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(sorted(SOURCES))}") from None


def quote_sources() -> list[str]:
    return [name for name, cls in SOURCES.items() if issubclass(cls, QuoteSource)]


def fx_sources() -> list[str]:
    return [name for name, cls in SOURCES.items() if issubclass(cls, FxSource)]
