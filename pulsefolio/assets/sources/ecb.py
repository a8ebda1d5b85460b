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
from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal
from typing import Any
from xml.etree import ElementTree

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
from pulsefolio.assets.sources.http import HttpSource

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


class EcbSource(HttpSource, FxSource):
    name = "ecb"
    default_base_url = BASE_URL
    rate = 0.5

    def __init__(self, *args: Any, cross_rates: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cross_rates = cross_rates

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        fetched_at = self.clock()
        response = await self.get_ok(PATH)
        day, rates = await asyncio.to_thread(parse_reference_rates, response.content)
        as_of = market_time(day, "Europe/Berlin", time(16), fetched_at)
        return fx_results(pairs, lambda pair: self._rate(pair, rates), as_of, fetched_at, self.name)

    def _rate(self, pair: FxPair, rates: dict[str, Decimal]) -> Decimal:
        for code in (pair.base, pair.quote):
            if code not in rates:
                raise UnknownSymbol(f"{self.name}: no reference rate for {code[:10]!r}")
        if "EUR" not in (pair.base, pair.quote) and not self.cross_rates:
            raise UnknownSymbol(f"{self.name}: {pair} is not euro-based (cross rates are off)")
        return rates[pair.quote] / rates[pair.base]
