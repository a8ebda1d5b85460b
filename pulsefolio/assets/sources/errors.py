"""Errors a market-data source raises or reports.

Hierarchy::

    PulsefolioError
    └── SourceError              status 502: a provider let us down
        ├── SourceUnavailable    timeouts, connection errors, 5xx after every retry
        ├── RateLimited          the provider throttled us; ``retry_after`` seconds
        ├── SourceAuthError      bad or missing key, or an endpoint our plan does not include
        ├── MalformedResponse    an answer we cannot read
        └── SymbolError          about one symbol only, reported in its QuoteResult, not raised
            ├── UnknownSymbol    the provider does not know the symbol
            └── BadQuote         it answered, but not with a usable price

Whole-source failures are raised (with ``from`` the httpx or parsing error) and abort the batch;
per-symbol errors travel in the results so one delisted ticker never hides the others.
Messages name the source and never carry an API key.

``RateLimited`` here is a provider throttling us, unlike ``pulsefolio.core.errors.RateLimited``,
which is us throttling a user: it stays a 502 for our own callers.
"""

from __future__ import annotations

from pulsefolio.core.errors import PulsefolioError


class SourceError(PulsefolioError):
    status_code = 502


class SourceUnavailable(SourceError):
    """The provider could not be reached or kept failing after every retry."""


class RateLimited(SourceError):
    """The provider throttled us; try again no sooner than ``retry_after`` seconds."""

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class SourceAuthError(SourceError):
    """The key is wrong or missing, or the plan lacks the endpoint; retrying never helps."""


class MalformedResponse(SourceError):
    """The provider answered something we cannot read."""


class SymbolError(SourceError):
    """A failure about one symbol; carried in a result rather than raised."""


class UnknownSymbol(SymbolError):
    """The provider does not know this symbol (or currency pair)."""


class BadQuote(SymbolError):
    """The provider answered with something that is not a usable price."""
