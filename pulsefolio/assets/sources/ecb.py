"""The ECB's euro foreign-exchange reference rates (daily XML), no key.

Ticker format: ISO 4217 codes; every rate is euro-based (units of X per EUR). Documentation:
https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
(file ``/stats/eurofxref/eurofxref-daily.xml``). Timezone: published on TARGET working days
around 16:00 CET; ``as_of`` is the day at 16:00 Europe/Berlin, never later than our fetch.

Traps handled: attributes in single quotes inside namespaced ``Cube`` elements; weekends and
holidays repeat the last working day (the date tells); EUR->X is direct, X->EUR its inverse,
and X->Y a cross rate through the euro only when ``cross_rates`` is set, since the ECB itself
publishes none. A document type declaration is refused before parsing (no entity expansion).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from xml.etree import ElementTree

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
from pulsefolio.assets.sources.http import HttpPolicy, ProviderHttp, TokenBucket

BASE_URL = "https://www.ecb.europa.eu"
PATH = "/stats/eurofxref/eurofxref-daily.xml"


def parse_reference_rates(body: bytes) -> tuple[date, dict[str, Decimal]]:
    """The reference day and units of each currency per euro (EUR itself is 1)."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise MalformedResponse("ecb: document type declarations are refused")
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - DTDs refused above
    except ElementTree.ParseError as exc:
        raise MalformedResponse("ecb: the rates file is not XML") from exc
    day_cube = next((el for el in root.iter() if el.get("time")), None)
    if day_cube is None:
        raise MalformedResponse("ecb: no dated Cube in the rates file")
    try:
        day = date.fromisoformat(str(day_cube.get("time")))
        rates = {"EUR": Decimal(1)}
        for cube in day_cube:
            rates[str(cube.get("currency"))] = checked_price(cube.get("rate"), "rate")
    except (ValueError, SymbolError) as exc:
        raise MalformedResponse("ecb: unreadable date or rate") from exc
    return day, rates


class EcbSource(FxSource):
    name = "ecb"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str = BASE_URL,
        cross_rates: bool = False,
        policy: HttpPolicy | None = None,
        limiter: TokenBucket | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        limiter = limiter or TokenBucket(0.5)
        self.http = ProviderHttp(self.name, client, base_url, policy=policy, limiter=limiter)
        self.cross_rates = cross_rates
        self.clock = clock

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        fetched_at = self.clock()
        response = await self.http.get(PATH)
        if response.status_code != 200:
            raise MalformedResponse(f"{self.name}: unexpected HTTP {response.status_code}")
        day, rates = await asyncio.to_thread(parse_reference_rates, response.content)
        as_of = market_time(day, "Europe/Berlin", time(16), fetched_at)
        results = []
        for pair in pairs:
            try:
                rate = self._rate(pair, rates)
            except UnknownSymbol as exc:
                results.append(FxResult(pair, error=exc))
                continue
            quote = FxRate(pair.base, pair.quote, rate, as_of, fetched_at, self.name)
            results.append(FxResult(pair, quote=quote))
        return results

    def _rate(self, pair: FxPair, rates: dict[str, Decimal]) -> Decimal:
        for code in (pair.base, pair.quote):
            if code not in rates:
                raise UnknownSymbol(f"{self.name}: no reference rate for {code[:10]!r}")
        if "EUR" not in (pair.base, pair.quote) and not self.cross_rates:
            raise UnknownSymbol(f"{self.name}: {pair} is not euro-based (cross rates are off)")
        return rates[pair.quote] / rates[pair.base]
