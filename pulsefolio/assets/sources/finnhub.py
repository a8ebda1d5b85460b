"""Finnhub ``/api/v1/quote`` (key required).

Ticker format: US tickers bare (``AAPL``), others with Finnhub's exchange suffix (``BMW.DE``);
see https://finnhub.io/docs/api/quote. Timezone: ``t`` is epoch seconds (UTC).

Traps handled: an unknown symbol is HTTP 200 with every field zero (``{"c": 0, ..., "t": 0}``);
there is no currency field, so the currency comes from the request; throttling is a 429 and a
bad key a 401, both with ``{"error": ...}``; a plan without the market is a 403. Numbers are JSON
numbers, read as Decimal from their text. The key travels in the ``X-Finnhub-Token`` header.
The free plan allows 60 calls a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pulsefolio.assets.sources.base import (
    BadQuote,
    MalformedResponse,
    QuoteResult,
    QuoteSource,
    SourceAuthError,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
    checked_price,
    minor_unit,
)
from pulsefolio.assets.sources.http import HttpSource, gather_all
from pulsefolio.core.domain import PriceQuote

BASE_URL = "https://finnhub.io"


class FinnhubSource(HttpSource, QuoteSource):
    name = "finnhub"
    default_base_url = BASE_URL
    rate, burst = 1.0, 5.0
    needs_key = True

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        return await gather_all(self._quote(request) for request in requests)

    async def _quote(self, request: SymbolRequest) -> QuoteResult:
        fetched_at = self.clock()
        params = {"symbol": request.provider_symbol}
        headers = {"X-Finnhub-Token": self.api_key}
        response, body = await self.get_json("/api/v1/quote", params, headers)
        if response.status_code in (401, 403):
            raise SourceAuthError(f"{self.name}: refused (HTTP {response.status_code})")
        if response.status_code != 200 or not isinstance(body, dict) or "c" not in body:
            raise MalformedResponse(f"{self.name}: unexpected answer (HTTP {response.status_code})")
        try:
            if not body.get("c") and not body.get("t"):
                raise UnknownSymbol(f"{self.name}: unknown symbol {request.provider_symbol}")
            stamp = body.get("t")
            if not isinstance(stamp, int) or stamp <= 0:
                raise BadQuote(f"{self.name}: {request.provider_symbol}: no quote time")
            unit = request.currency or "USD"
            price, currency = minor_unit(checked_price(body["c"]), unit)
            previous = body.get("pc")
            if previous:
                previous = minor_unit(checked_price(previous, "previous close"), unit)[0]
            quote = PriceQuote(
                request.symbol,
                price,
                currency,
                datetime.fromtimestamp(stamp, UTC),
                fetched_at,
                self.name,
                previous or None,
            )
        except SymbolError as exc:
            return QuoteResult(request, error=exc)
        return QuoteResult(request, quote=quote)
