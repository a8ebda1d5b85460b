"""Manual prices: what an admin enters through the API or drops in as a CSV file.

For assets no provider covers (a private fund, a house). :class:`ManualSource` serves the latest
entered price per symbol from a store it is given: :class:`InMemoryManualStore` here, a database
table behind the same two-method protocol elsewhere. ``as_of`` is the time the admin states;
``fetched_at`` is when the refresh read it.

CSV files have the header ``symbol,price,currency,as_of`` (any order, case-insensitive), and
may add ``previous_close`` (the close before ``as_of``, empty for none), which gives the
holding a day change.
:func:`parse_manual_csv` checks every row and reports every bad one with its line number and
reason, beside the well-formed ones, so that an import can check those against their assets too
and name every bad row at once; the import then stores none, as a bulk import should be all or
nothing. ``as_of``
is ISO 8601 with an offset (``2026-09-21T16:00:00+01:00``) or a bare date (midnight UTC).
A price must fit the price column as it is (at most 10 decimal places, 14 digits before the
point), since the column would round a tinier one to 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from pulsefolio.assets.sources.base import (
    QuoteResult,
    QuoteSource,
    SymbolError,
    SymbolRequest,
    UnknownSymbol,
    checked_price,
    utc_now,
)
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.money import PRICE_NUMERIC, column_problem, is_currency

COLUMNS = ("symbol", "price", "currency", "as_of")
OPTIONAL = ("previous_close",)


@dataclass(frozen=True, slots=True)
class ManualPrice:
    symbol: str
    price: Decimal
    currency: str
    as_of: datetime
    previous_close: Decimal | None = None
    row: int = field(default=0, compare=False)  # its line in a CSV file; 0 when not from one


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # line number in the file, the header being line 1
    reason: str


class ManualPriceStore(Protocol):
    async def latest(self, symbols: Sequence[str]) -> Mapping[str, ManualPrice]: ...

    async def put(self, prices: Sequence[ManualPrice]) -> None: ...


class InMemoryManualStore:
    """Keeps the newest price per symbol; an older entry never replaces a newer one."""

    def __init__(self) -> None:
        self._prices: dict[str, ManualPrice] = {}

    async def latest(self, symbols: Sequence[str]) -> Mapping[str, ManualPrice]:
        return {s: self._prices[s] for s in symbols if s in self._prices}

    async def put(self, prices: Sequence[ManualPrice]) -> None:
        for price in prices:
            held = self._prices.get(price.symbol)
            if held is None or price.as_of >= held.as_of:
                self._prices[price.symbol] = price


class ManualSource(QuoteSource):
    name = "manual"

    def __init__(self, store: ManualPriceStore, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.store, self.clock = store, clock

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        fetched_at = self.clock()
        held = await self.store.latest([request.provider_symbol for request in requests])
        results = []
        for request in requests:
            entry = held.get(request.provider_symbol)
            if entry is None:
                error = UnknownSymbol(f"{self.name}: no price entered for {request.symbol}")
                results.append(QuoteResult(request, error=error))
                continue
            quote = PriceQuote(
                request.symbol, entry.price, entry.currency, entry.as_of, fetched_at, self.name,
                entry.previous_close,
            )  # fmt: skip
            results.append(QuoteResult(request, quote=quote))
        return results


def parse_manual_csv(
    text: str, *, now: datetime | None = None
) -> tuple[list[ManualPrice], list[RowError]]:
    """The well-formed prices of the file, and an error for every other row (or the header)."""
    now = now or utc_now()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error as exc:
        return [], [RowError(1, f"not readable as CSV: {exc}")]
    given = sorted(set(header) - set(OPTIONAL))
    if given != sorted(COLUMNS) or len(set(header)) != len(header):
        wanted = f"{','.join(COLUMNS)}[,{','.join(OPTIONAL)}]"
        return [], [RowError(1, f"header must be {wanted}, got {','.join(header)}")]
    prices: list[ManualPrice] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, cells in _records(reader, errors):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            errors.append(RowError(line, f"expected {len(header)} fields, got {len(cells)}"))
            continue
        row = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        try:
            price = _row(row, line, now)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        if price.symbol in seen:
            errors.append(
                RowError(line, f"{price.symbol} already given on line {seen[price.symbol]}")
            )
            continue
        seen[price.symbol] = line
        prices.append(price)
    return prices, errors


def _records(reader: Any, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """The records after the header with their line numbers; a record the csv module cannot
    read (a field over its size limit, say) ends the file with an error on its line."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = f"not readable as CSV: {exc}; the rest of the file was not read"
            errors.append(RowError(reader.line_num, reason))
            return
        yield reader.line_num, cells


def _row(row: dict[str, str], line: int, now: datetime) -> ManualPrice:
    if not row["symbol"]:
        raise ValueError("symbol is empty")
    price = _price(row["price"], "price")
    previous = (
        _price(row["previous_close"], "previous_close") if row.get("previous_close") else None
    )
    if not is_currency(row["currency"]):
        raise ValueError(f"currency must be a three-letter code, got {row['currency'][:10]!r}")
    as_of = _as_of(row["as_of"])
    if as_of > now + timedelta(minutes=5):
        raise ValueError("as_of is in the future")
    return ManualPrice(row["symbol"], price, row["currency"], as_of, previous, line)


def _price(text: str, name: str) -> Decimal:
    """A positive price that fits the price column; ValueError naming ``name`` otherwise."""
    try:
        price = checked_price(text, name)
    except SymbolError as exc:
        raise ValueError(exc.detail) from exc
    problem = column_problem(price, PRICE_NUMERIC)
    if problem is not None:
        raise ValueError(f"{name} {problem}")
    return price


def _as_of(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"as_of is not an ISO 8601 date or time: {text[:30]!r}") from exc
    if moment.tzinfo is None:
        raise ValueError("as_of needs a UTC offset (or give a bare date)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"as_of is out of range: {text[:30]!r}") from None
