"""Twelve Data ``/quote``: stocks, ETFs, funds and FX pairs (key required).

Ticker format: bare tickers (``AAPL``), ``SYMBOL:EXCHANGE`` or ``mic_code`` for other venues,
FX as ``EUR/USD``. Documentation: https://twelvedata.com/docs#quote. Timezone: ``timestamp`` and
``last_quote_at`` are epoch seconds (UTC); ``datetime`` is in the exchange's zone and unused.

Traps handled: errors come as ``{"code": 400|401|403|404|429, "message": ..., "status":
"error"}``, sometimes with HTTP 200, so the body decides; numbers are strings; FX quotes have
``currency_base``/``currency_quote`` instead of ``currency``. The key goes in the
``Authorization: apikey`` header, never in the URL. The free plan allows 8 requests a minute.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

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
    SourceAuthError,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
    checked_price,
    minor_unit,
)
from pulsefolio.assets.sources.http import HttpSource, gather_all, retry_after
from pulsefolio.core.domain import PriceQuote

BASE_URL = "https://api.twelvedata.com"


class TwelveDataSource(HttpSource, QuoteSource, FxSource):
    name = "twelvedata"
    default_base_url = BASE_URL
    rate, burst = 8 / 60, 8.0
    needs_key = True

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        return await gather_all(self._quote(request) for request in requests)

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        return await gather_all(self._fx(pair) for pair in pairs)

    async def _call(self, symbol: str) -> tuple[dict[str, Any], datetime]:
        fetched_at = self.clock()
        headers = {"Authorization": f"apikey {self.api_key}"}
        response, body = await self.get_json("/quote", {"symbol": symbol}, headers)
        if not isinstance(body, dict):
            raise MalformedResponse(f"{self.name}: answer is not a JSON object")
        code = body.get("code", response.status_code)
        if body.get("status") == "error" or response.status_code >= 400:
            message = str(body.get("message", ""))[:100]
            if code == 429:
                wait = retry_after(response, 60.0)
                raise RateLimited(f"{self.name}: out of API credits, retry in {wait:.0f}s", wait)
            if code in (401, 403):
                raise SourceAuthError(f"{self.name}: refused ({code}): {message}")
            if code in (400, 404):
                raise UnknownSymbol(f"{self.name}: {symbol}: {message}")
            raise MalformedResponse(f"{self.name}: error {code}: {message}")
        return body, fetched_at

    async def _quote(self, request: SymbolRequest) -> QuoteResult:
        try:
            body, fetched_at = await self._call(request.provider_symbol)
            price = checked_price(body.get("close"))
            previous = body.get("previous_close")
            currency = body.get("currency") or request.currency
            if not isinstance(currency, str):
                raise BadQuote(f"{self.name}: {request.provider_symbol}: no currency")
            price, major = minor_unit(price, currency)
            if previous is not None:
                previous = minor_unit(checked_price(previous, "previous close"), currency)[0]
            quote = PriceQuote(
                request.symbol, price, major, _as_of(body), fetched_at, self.name, previous
            )
        except SymbolError as exc:
            return QuoteResult(request, error=exc)
        return QuoteResult(request, quote=quote)

    async def _fx(self, pair: FxPair) -> FxResult:
        try:
            body, fetched_at = await self._call(f"{pair.base}/{pair.quote}")
            rate = checked_price(body.get("close"), "rate")
            quote = FxRate(pair.base, pair.quote, rate, _as_of(body), fetched_at, self.name)
        except SymbolError as exc:
            return FxResult(pair, error=exc)
        return FxResult(pair, quote=quote)


def _as_of(body: dict[str, Any]) -> datetime:
    stamp = body.get("last_quote_at") or body.get("timestamp")
    if not isinstance(stamp, int) or stamp <= 0:
        raise BadQuote("no quote time")
    return datetime.fromtimestamp(stamp, UTC)
