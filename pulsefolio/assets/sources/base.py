"""The contract every market-data source keeps.

A source is handed what to fetch and returns one result per request, in request order. A result
holds either a quote or a per-symbol error (:class:`UnknownSymbol`, :class:`BadQuote`); a failure
of the whole source (:class:`SourceUnavailable`, :class:`RateLimited`, :class:`SourceAuthError`,
:class:`MalformedResponse`) is raised instead. Sources never write anything: choosing, checking
and storing prices belongs to the caller.

Quote sources implement :meth:`QuoteSource.fetch`; FX sources implement :meth:`FxSource.fetch_fx`;
some do both. Like httpx's transports, the contract is one required method and a close hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from pulsefolio.assets.sources.errors import (
    BadQuote,
    MalformedResponse,
    RateLimited,
    SourceAuthError,
    SourceError,
    SourceUnavailable,
    SymbolError,
    UnknownSymbol,
)
from pulsefolio.core.domain import AssetClass, FxRate, PriceQuote
from pulsefolio.core.money import SUBUNIT_QUOTES, in_major_unit, is_currency, parse_decimal

__all__ = [
    "BadQuote",
    "FxPair",
    "FxRate",
    "FxResult",
    "FxSource",
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
    "UnknownSymbol",
    "checked_price",
    "fx_results",
    "market_time",
    "minor_unit",
    "utc_now",
]


@dataclass(frozen=True, slots=True)
class SymbolRequest:
    """One asset to price: our symbol, the provider's spelling of it, and what we expect back.

    ``currency`` is the currency we expect the price in; providers that do not report one
    (Finnhub, Alpha Vantage) take it from here. ``None`` means "whatever the provider says".
    """

    symbol: str
    provider_symbol: str
    currency: str | None = None
    asset_class: AssetClass = AssetClass.STOCK


@dataclass(frozen=True, slots=True)
class FxPair:
    """A currency pair: the rate asked for is units of ``quote`` per one ``base``."""

    base: str
    quote: str

    def __str__(self) -> str:
        return f"{self.base}{self.quote}"


@dataclass(frozen=True, slots=True)
class QuoteResult:
    """The outcome for one :class:`SymbolRequest`: exactly one of ``quote`` and ``error``."""

    request: SymbolRequest
    quote: PriceQuote | None = None
    error: SymbolError | None = None

    @property
    def ok(self) -> bool:
        return self.quote is not None


@dataclass(frozen=True, slots=True)
class FxResult:
    """The outcome for one :class:`FxPair`: exactly one of ``quote`` and ``error``."""

    pair: FxPair
    quote: FxRate | None = None
    error: SymbolError | None = None

    @property
    def ok(self) -> bool:
        return self.quote is not None


class Source:
    """What all sources share: a registry name and a close hook."""

    name: str = "source"

    async def aclose(self) -> None:
        """Release what the source opened itself (never the injected HTTP client)."""


class QuoteSource(Source, ABC):
    @abstractmethod
    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        """One result per request, in order; raises a SourceError if the whole source fails."""


class FxSource(Source, ABC):
    @abstractmethod
    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        """One result per pair, in order; raises a SourceError if the whole source fails."""


def fx_results(
    pairs: Sequence[FxPair],
    rate: Callable[[FxPair], Decimal],
    as_of: datetime,
    fetched_at: datetime,
    source: str,
) -> list[FxResult]:
    """One result per pair from ``rate``, which raises a SymbolError for a pair it lacks."""
    results = []
    for pair in pairs:
        try:
            value = rate(pair)
        except SymbolError as exc:
            results.append(FxResult(pair, error=exc))
            continue
        quote = FxRate(pair.base, pair.quote, value, as_of, fetched_at, source)
        results.append(FxResult(pair, quote=quote))
    return results


def utc_now() -> datetime:
    return datetime.now(UTC)


def checked_price(value: object, what: str = "price") -> Decimal:
    """A finite, positive Decimal from provider text or JSON-parsed Decimal; else BadQuote."""
    if value is None or isinstance(value, float):
        # A float means the body was parsed without parse_float=Decimal: refuse it loudly.
        raise BadQuote(f"{what} is missing" if value is None else f"{what} is a float")
    try:
        price = parse_decimal(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise BadQuote(f"{what} is not a number: {str(value)[:40]!r}") from exc
    if price <= 0:
        raise BadQuote(f"{what} is not positive: {price}")
    return price


def minor_unit(price: Decimal, currency: str) -> tuple[Decimal, str]:
    """Convert a price quoted in a minor unit (``GBp`` pence) to the major currency."""
    if currency not in SUBUNIT_QUOTES and not is_currency(currency):
        raise BadQuote(f"not a currency code: {currency[:10]!r}")
    major, (converted,) = in_major_unit(currency, price)
    assert converted is not None
    return converted, major


def market_time(day: date, zone: str, at: time, cap: datetime) -> datetime:
    """The aware UTC instant of ``at`` on ``day`` in ``zone``, never later than ``cap``.

    For providers that only give a date: the day's close in the market's zone, capped at our
    fetch time so an intraday answer is not stamped in the future.
    """
    moment = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return min(moment, cap)
