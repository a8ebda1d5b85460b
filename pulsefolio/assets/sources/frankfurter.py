"""Frankfurter: the ECB's reference rates as JSON, any base currency, no key.

Ticker format: ISO 4217 codes. Documentation: https://frankfurter.dev (``/v1/latest?base=USD&
symbols=EUR,GBP``). Timezone: the rates are the ECB's of ``date``, published around 16:00 CET;
``as_of`` is that day at 16:00 Europe/Berlin, never later than our fetch.

Traps handled: one request per base currency; ``rates`` are per ``amount`` units of the base
(1.0 unless asked otherwise); rates are JSON numbers, read as Decimal from their text; an
unknown base answers 404 ``{"message": "not found"}`` and a bad symbol in the list 422 ``{"message":
"bad currency pair"}``, after which each symbol is asked alone so one bad code does not sink
the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal

from pulsefolio.assets.sources.base import (
    FxPair,
    FxResult,
    FxSource,
    MalformedResponse,
    SymbolError,
    UnknownSymbol,
    checked_price,
    fx_results,
    market_time,
)
from pulsefolio.assets.sources.http import HttpSource, gather_all

BASE_URL = "https://api.frankfurter.dev"


class FrankfurterSource(HttpSource, FxSource):
    name = "frankfurter"
    default_base_url = BASE_URL
    rate, burst = 2.0, 4.0

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        by_base: dict[str, list[FxPair]] = {}
        for pair in pairs:
            by_base.setdefault(pair.base, []).append(pair)
        groups = await gather_all(self._base(base, group) for base, group in by_base.items())
        found = {result.pair: result for group in groups for result in group}
        return [found[pair] for pair in pairs]

    async def _base(self, base: str, pairs: list[FxPair], split: bool = True) -> list[FxResult]:
        fetched_at = self.clock()
        symbols = ",".join(sorted({pair.quote for pair in pairs}))
        response, body = await self.get_json("/v1/latest", {"base": base, "symbols": symbols})
        if response.status_code == 422 and split and len({p.quote for p in pairs}) > 1:
            singles = await gather_all(self._base(base, [p], split=False) for p in pairs)
            return [result for single in singles for result in single]
        if response.status_code in (404, 422):
            message = str(body.get("message", "")) if isinstance(body, dict) else ""
            error = UnknownSymbol(f"{self.name}: {base}->{symbols}: {message[:60]}")
            return [FxResult(pair, error=error) for pair in pairs]
        if response.status_code != 200 or not isinstance(body, dict):
            raise self.unexpected(response)
        try:
            rates, amount = body["rates"], checked_price(body.get("amount", 1), "amount")
            day = date.fromisoformat(str(body["date"]))
        except (KeyError, ValueError, TypeError, SymbolError) as exc:
            raise MalformedResponse(f"{self.name}: unexpected answer layout") from exc
        as_of = market_time(day, "Europe/Berlin", time(16), fetched_at)

        def rate(pair: FxPair) -> Decimal:
            if pair.quote not in rates:
                raise UnknownSymbol(f"{self.name}: no rate for {pair}")
            return checked_price(rates[pair.quote], "rate") / amount

        return fx_results(pairs, rate, as_of, fetched_at, self.name)
