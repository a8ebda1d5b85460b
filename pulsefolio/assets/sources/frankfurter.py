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

from collections.abc import Callable, Sequence
from datetime import date, datetime, time

import httpx

from pulsefolio.assets.sources.base import (
    FxPair,
    FxRate,
    FxResult,
    FxSource,
    MalformedResponse,
    SymbolError,
    UnknownSymbol,
    checked_price,
    market_time,
    utc_now,
)
from pulsefolio.assets.sources.http import (
    HttpPolicy,
    ProviderHttp,
    TokenBucket,
    gather_all,
    parse_json,
    raise_rate_limited,
)

BASE_URL = "https://api.frankfurter.dev"


class FrankfurterSource(FxSource):
    name = "frankfurter"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str = BASE_URL,
        policy: HttpPolicy | None = None,
        limiter: TokenBucket | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        limiter = limiter or TokenBucket(2.0, burst=4)
        self.http = ProviderHttp(self.name, client, base_url, policy=policy, limiter=limiter)
        self.clock = clock

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
        response = await self.http.get("/v1/latest", {"base": base, "symbols": symbols})
        if response.status_code == 429:
            raise_rate_limited(response, self.name)
        body = parse_json(response, self.name)
        if response.status_code == 422 and split and len({p.quote for p in pairs}) > 1:
            singles = await gather_all(self._base(base, [p], split=False) for p in pairs)
            return [result for single in singles for result in single]
        if response.status_code in (404, 422):
            message = str(body.get("message", "")) if isinstance(body, dict) else ""
            error = UnknownSymbol(f"{self.name}: {base}->{symbols}: {message[:60]}")
            return [FxResult(pair, error=error) for pair in pairs]
        if response.status_code != 200 or not isinstance(body, dict):
            raise MalformedResponse(f"{self.name}: unexpected HTTP {response.status_code}")
        try:
            rates, amount = body["rates"], checked_price(body.get("amount", 1), "amount")
            day = date.fromisoformat(str(body["date"]))
        except (KeyError, ValueError, TypeError, SymbolError) as exc:
            raise MalformedResponse(f"{self.name}: unexpected answer layout") from exc
        as_of = market_time(day, "Europe/Berlin", time(16), fetched_at)
        results = []
        for pair in pairs:
            try:
                if pair.quote not in rates:
                    raise UnknownSymbol(f"{self.name}: no rate for {pair}")
                rate = checked_price(rates[pair.quote], "rate") / amount
            except SymbolError as exc:
                results.append(FxResult(pair, error=exc))
                continue
            quote = FxRate(pair.base, pair.quote, rate, as_of, fetched_at, self.name)
            results.append(FxResult(pair, quote=quote))
        return results
