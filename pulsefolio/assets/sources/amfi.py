"""AMFI's daily NAV file: every Indian mutual fund scheme's net asset value, no key.

Ticker format: AMFI's numeric scheme code (``119551``). Documentation:
https://www.amfiindia.com/net-asset-value (file ``/spages/NAVAll.txt``). Timezone: the NAV date
is an Indian business day (Asia/Kolkata); it is stamped at 15:00 IST, the cut-off for that
day's NAV, and never later than our fetch. Prices are in INR.

Traps handled: ``;``-separated text with CRLF line ends and sometimes a UTF-8 BOM; a header
line, then blocks of a category line, a fund-house line and data rows, with blank (one-space)
lines between; since 19 Aug 2026 eight fields (``Plan`` and ``Option`` added) where there were
six, so columns are found by header name; ``N.A.`` where a NAV is missing; dates like
``21-Sep-2026``. The whole file is fetched once per batch and parsed off the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from pulsefolio.assets.sources.base import (
    BadQuote,
    MalformedResponse,
    QuoteResult,
    QuoteSource,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
    checked_price,
    market_time,
)
from pulsefolio.assets.sources.http import HttpSource
from pulsefolio.core.domain import PriceQuote

BASE_URL = "https://portal.amfiindia.com"
PATH = "/spages/NAVAll.txt"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


@dataclass(frozen=True, slots=True)
class NavRow:
    code: str
    name: str
    nav: str  # raw text: "N.A." must reach the caller as a bad quote, not vanish
    day: str


def parse_nav_file(text: str) -> dict[str, NavRow]:
    """Scheme code -> row, for every data row; raises MalformedResponse without a usable header."""
    lines = text.lstrip("\ufeff").splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.count(";") >= 4), None)
    if header_at is None:
        raise MalformedResponse("amfi: no header line in the NAV file")
    columns = [name.strip().lower() for name in lines[header_at].split(";")]
    try:
        code_at = columns.index("scheme code")
        name_at = columns.index("scheme name")
        nav_at = columns.index("net asset value")
        day_at = columns.index("date")
    except ValueError as exc:
        raise MalformedResponse("amfi: the header lacks a required column") from exc
    rows: dict[str, NavRow] = {}
    for line in lines[header_at + 1 :]:
        fields = [field.strip() for field in line.split(";")]
        if len(fields) != len(columns) or not fields[code_at].isdigit():
            continue  # blank, category and fund-house lines
        row = NavRow(fields[code_at], fields[name_at], fields[nav_at], fields[day_at])
        rows.setdefault(row.code, row)
    return rows


def parse_nav_date(text: str) -> date:
    try:
        day, month, year = text.split("-")
        return date(int(year), _MONTHS[month.title()], int(day))
    except (ValueError, KeyError) as exc:
        raise BadQuote(f"amfi: not a NAV date: {text[:20]!r}") from exc


class AmfiSource(HttpSource, QuoteSource):
    name = "amfi"
    default_base_url = BASE_URL
    rate = 0.2

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        fetched_at = self.clock()
        response = await self.get_ok(PATH)
        try:
            text = response.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = response.content.decode("latin-1")
        rows = await asyncio.to_thread(parse_nav_file, text)
        return [self._result(request, rows, fetched_at) for request in requests]

    def _result(
        self, request: SymbolRequest, rows: dict[str, NavRow], fetched_at: datetime
    ) -> QuoteResult:
        try:
            row = rows.get(request.provider_symbol.strip())
            if row is None:
                raise UnknownSymbol(f"{self.name}: no scheme {request.provider_symbol}")
            nav = checked_price(row.nav, "NAV")
            as_of = market_time(parse_nav_date(row.day), "Asia/Kolkata", time(15), fetched_at)
        except SymbolError as exc:
            return QuoteResult(request, error=exc)
        quote = PriceQuote(request.symbol, nav, "INR", as_of, fetched_at, self.name)
        return QuoteResult(request, quote=quote)
