"""Yahoo Finance chart API (v8): stocks, ETFs, mutual funds and FX pairs, no key.

Ticker format: Yahoo's own, with an exchange suffix outside the US (``NESN.SW``, ``TSCO.L``,
``RELIANCE.NS``), a dash for share classes (``BRK-B``) and ``=X`` for currency pairs
(``EURUSD=X`` is US dollars per euro). Documentation: none official; the format is the one
public clients read (https://github.com/ranaroussi/yfinance,
https://github.com/gadicc/node-yahoo-finance2). Timezone: ``regularMarketTime`` is epoch
seconds (UTC); the exchange's zone is only informative.

Traps handled: London prices in pence (``GBp``; also ``ZAc``, ``ILA``) are divided by 100 and
reported in the major currency; ``regularMarketPrice`` may be null, then the last non-null daily
close is used; a chart with no bars has no ``timestamp`` and ``quote: [{}]``; an unknown symbol
is a 404 with a JSON error; throttling is a 429 with a plain-text body.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pulsefolio.assets.sources.base import (
    BadQuote,
    FxPair,
    FxRate,
    FxResult,
    FxSource,
    MalformedResponse,
    QuoteResult,
    QuoteSource,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
    checked_price,
    minor_unit,
)
from pulsefolio.assets.sources.http import HttpSource, gather_all
from pulsefolio.core.domain import AssetClass, PriceQuote

BASE_URL = "https://query1.finance.yahoo.com"


class YahooSource(HttpSource, QuoteSource, FxSource):
    name = "yahoo"
    default_base_url = BASE_URL
    rate, burst = 2.0, 4.0

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        return await gather_all(self._one(request) for request in requests)

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        requests = [
            SymbolRequest(str(p), f"{p.base}{p.quote}=X", p.quote, AssetClass.CASH) for p in pairs
        ]
        results = await self.fetch(requests)
        out = []
        for pair, result in zip(pairs, results, strict=True):
            if result.quote is None:
                out.append(FxResult(pair, error=result.error))
                continue
            q = result.quote
            fx = FxRate(pair.base, pair.quote, q.price, q.as_of, q.fetched_at, self.name)
            out.append(FxResult(pair, quote=fx))
        return out

    async def _one(self, request: SymbolRequest) -> QuoteResult:
        fetched_at = self.clock()
        path = f"/v8/finance/chart/{quote(request.provider_symbol, safe='=')}"
        response, body = await self.get_json(path, {"range": "1d", "interval": "1d"})
        try:
            chart = body["chart"]
            if response.status_code == 404 or not chart.get("result"):
                error = chart.get("error") or {}
                detail = str(error.get("description", "no data"))[:120]
                raise UnknownSymbol(f"{self.name}: {request.provider_symbol}: {detail}")
            if response.status_code >= 400:
                raise self.unexpected(response)
            return QuoteResult(request, quote=self._quote(request, chart["result"][0], fetched_at))
        except SymbolError as exc:
            return QuoteResult(request, error=exc)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise MalformedResponse(f"{self.name}: unexpected chart layout") from exc

    def _quote(self, request: SymbolRequest, result: Any, fetched: datetime) -> PriceQuote:
        meta = result["meta"]
        raw, at = meta.get("regularMarketPrice"), meta.get("regularMarketTime")
        if raw is None:
            raw, at = _last_close(result)
        price = checked_price(raw)
        if not isinstance(at, int) or at <= 0:
            raise BadQuote(f"{self.name}: {request.provider_symbol}: no market time")
        previous = meta.get("chartPreviousClose", meta.get("previousClose"))
        currency = meta.get("currency") or request.currency
        if not isinstance(currency, str):
            raise BadQuote(f"{self.name}: {request.provider_symbol}: no currency")
        price, major = minor_unit(price, currency)
        if previous is not None:
            previous = minor_unit(checked_price(previous, "previous close"), currency)[0]
        if request.currency and major != minor_unit(Decimal(1), request.currency)[1]:
            raise BadQuote(f"{self.name}: {request.provider_symbol}: priced in {major}")
        return PriceQuote(
            symbol=request.symbol,
            price=price,
            currency=major,
            as_of=datetime.fromtimestamp(at, UTC),
            fetched_at=fetched,
            source=self.name,
            previous_close=previous,
        )


def _last_close(result: dict[str, Any]) -> tuple[Any, Any]:
    """The last non-null daily close and its bar time; (None, None) when there are no bars."""
    stamps = result.get("timestamp") or []
    closes = (result.get("indicators", {}).get("quote") or [{}])[0].get("close") or []
    for stamp, close in reversed(list(zip(stamps, closes, strict=False))):
        if close is not None:
            return close, stamp
    return None, None
