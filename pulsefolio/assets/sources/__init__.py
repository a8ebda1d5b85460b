"""Market-data sources: the contract (``base``), one module per provider, and the registry."""

from pulsefolio.assets.sources.base import (
    BadQuote,
    FxPair,
    FxRate,
    FxResult,
    FxSource,
    MalformedResponse,
    QuoteResult,
    QuoteSource,
    RateLimited,
    Source,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
)
from pulsefolio.assets.sources.http import HttpPolicy, TokenBucket

__all__ = [
    "BadQuote",
    "FxPair",
    "FxRate",
    "FxResult",
    "FxSource",
    "HttpPolicy",
    "MalformedResponse",
    "QuoteResult",
    "QuoteSource",
    "RateLimited",
    "Source",
    "SourceAuthError",
    "SourceError",
    "SourceUnavailable",
    "SymbolError",
    "SymbolRequest",
    "TokenBucket",
    "UnknownSymbol",
]
