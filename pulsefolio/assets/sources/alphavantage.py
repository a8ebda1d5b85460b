"""Alpha Vantage: GLOBAL_QUOTE for securities, CURRENCY_EXCHANGE_RATE for FX (key required).

Ticker format: US tickers bare (``IBM``), others with an exchange suffix (``TSCO.LON``,
``SHOP.TRT``); FX as ISO codes. Documentation: https://www.alphavantage.co/documentation/.
Timezone: GLOBAL_QUOTE gives only a date (US/Eastern trading day), stamped here at 16:00 New
York time and never later than our fetch; FX gives ``Last Refreshed`` with its ``Time Zone``.

Traps handled: every answer is HTTP 200, so the body decides: ``{"Global Quote": {}}`` is an
unknown symbol; ``Error Message`` is a bad call (or a bad key); ``Information`` or, from older
keys, ``Note`` is the rate limit, except the premium-endpoint ``Information``, which no retry
fixes. Numbers are strings. No currency is given: it comes from the request, and London prices
(``GBX``) are in pence. The free tier allows about one request a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
    market_time,
    minor_unit,
)
from pulsefolio.assets.sources.http import HttpSource
from pulsefolio.core.domain import PriceQuote

BASE_URL = "https://www.alphavantage.co"


class AlphaVantageSource(HttpSource, QuoteSource, FxSource):
    name = "alphavantage"
    default_base_url = BASE_URL
    needs_key = True

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        # Sequential on purpose: the bucket allows one a second, and a rate-limit answer should
        # stop the batch before it burns the rest of the day's quota.
        return [await self._quote(request) for request in requests]

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        return [await self._fx(pair) for pair in pairs]

    async def _call(self, params: dict[str, str]) -> dict[str, Any]:
        response, body = await self.get_json("/query", {**params, "apikey": self.api_key})
        if not isinstance(body, dict):
            raise MalformedResponse(f"{self.name}: answer is not a JSON object")
        notice = str(body.get("Information") or body.get("Note") or "")
        if "premium" in notice.lower() and "endpoint" in notice.lower():
            raise SourceAuthError(f"{self.name}: {params['function']} is a premium endpoint")
        if "api key" in notice.lower() and "rate limit" not in notice.lower():
            raise SourceAuthError(f"{self.name}: the API key was refused")
        if notice:
            raise RateLimited(f"{self.name}: rate limit reached", _wait(notice, self.clock()))
        error = str(body.get("Error Message") or "")
        if "apikey" in error.lower():
            raise SourceAuthError(f"{self.name}: the API key was refused")
        if error:
            raise UnknownSymbol(f"{self.name}: invalid call: {error[:80]}")
        if response.status_code != 200:
            raise self.unexpected(response)
        return body

    async def _quote(self, request: SymbolRequest) -> QuoteResult:
        fetched_at = self.clock()
        try:
            body = await self._call({"function": "GLOBAL_QUOTE", "symbol": request.provider_symbol})
            data = body.get("Global Quote")
            if not isinstance(data, dict):
                raise MalformedResponse(f"{self.name}: no 'Global Quote' in the answer")
            if not data:
                raise UnknownSymbol(f"{self.name}: unknown symbol {request.provider_symbol}")
            price = checked_price(data.get("05. price"))
            previous_raw = data.get("08. previous close")
            previous = checked_price(previous_raw, "previous close") if previous_raw else None
            day = _date(data.get("07. latest trading day"))
            price, currency = minor_unit(price, request.currency or "USD")
            if previous is not None:
                previous = minor_unit(previous, request.currency or "USD")[0]
        except SymbolError as exc:
            return QuoteResult(request, error=exc)
        as_of = market_time(day, "America/New_York", time(16), fetched_at)
        quote = PriceQuote(
            request.symbol, price, currency, as_of, fetched_at, self.name, previous_close=previous
        )
        return QuoteResult(request, quote=quote)

    async def _fx(self, pair: FxPair) -> FxResult:
        fetched_at = self.clock()
        params = {
            "function": "CURRENCY_EXCHANGE_RATE",
            "from_currency": pair.base,
            "to_currency": pair.quote,
        }
        try:
            data = (await self._call(params)).get("Realtime Currency Exchange Rate")
            if not isinstance(data, dict) or not data:
                raise MalformedResponse(f"{self.name}: no exchange rate in the answer")
            rate = checked_price(data.get("5. Exchange Rate"), "rate")
            zone = ZoneInfo(str(data.get("7. Time Zone") or "UTC"))
            stamp = datetime.fromisoformat(str(data.get("6. Last Refreshed")))
            as_of = stamp.replace(tzinfo=zone).astimezone(UTC)
        except SymbolError as exc:
            return FxResult(pair, error=exc)
        except (ValueError, KeyError) as exc:
            raise MalformedResponse(f"{self.name}: unreadable exchange-rate time") from exc
        return FxResult(pair, FxRate(pair.base, pair.quote, rate, as_of, fetched_at, self.name))


def _date(text: object) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError as exc:
        raise BadQuote(f"not a trading day: {str(text)[:20]!r}") from exc


def _wait(notice: str, now: datetime) -> float:
    """A daily quota resets at midnight UTC; anything else is worth a try after a minute."""
    if "per day" in notice and "per minute" not in notice:
        tomorrow = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)
        return (tomorrow - now).total_seconds()
    return 60.0
