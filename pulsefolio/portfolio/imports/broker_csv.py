"""The broker-style CSV: columns found by common header names, in any order and case.

The separator is the one of ``, ; TAB |`` that occurs most in the header line; a
``;``-separated file is read with decimal commas. Unrecognised columns are ignored. Signs of
quantities, amounts and fees are ignored: the type says which way money and shares move
(brokers often write sales as negative quantities). A price has no direction, so a negative one
is a row error rather than silently made positive; so is a negative dividend or interest amount,
which is a reversal of an earlier payment.

The reader is strict: a quote that is never closed or is followed by anything but a separator,
and a row with more or fewer cells than the header, are row errors (field ``row``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.money import in_major_unit
from pulsefolio.portfolio.imports.export import cell_text
from pulsefolio.portfolio.imports.rows import Parsed, ParsedRow, RowError, RowProblems
from pulsefolio.portfolio.imports.values import (
    parse_date,
    parse_number,
    parse_ratio,
    parse_type,
    slash_order,
    writes_decimal_comma,
)
from pulsefolio.portfolio.ledger.checks import column_problems, money_product

T = TransactionType
V = TypeVar("V")
CASH_TYPES = frozenset({T.DIVIDEND, T.INTEREST, T.FEE, T.DEPOSIT, T.WITHDRAWAL})
NUMBER_COLUMNS = ("quantity", "price", "fee", "amount")

HEADERS: dict[str, tuple[str, ...]] = {
    "date": ("date", "tradedate", "transactiondate", "executedat", "datetime", "activitydate"),
    "symbol": ("symbol", "ticker", "tickersymbol", "instrument"),
    "type": ("type", "action", "transactiontype", "activitytype", "activity", "side"),
    "quantity": ("quantity", "qty", "shares", "units", "numberofshares"),
    "price": ("price", "unitprice", "pricepershare", "priceshare", "shareprice"),
    "fee": ("fee", "fees", "commission", "commissions", "feescommissions", "commissionfees"),
    "currency": ("currency", "ccy", "currencycode"),
    "account": ("account", "accountname", "portfolio"),
    "amount": ("amount", "netamount", "total", "value"),
    "split_ratio": ("splitratio", "ratio", "split"),
    "note": ("note", "notes", "comment", "memo"),
}
REQUIRED = ("date", "type")
_SEPARATORS = (",", ";", "\t", "|")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_BY_NAME = {name: column for column, names in HEADERS.items() for name in names}


def recognise(header: list[str]) -> dict[str, int]:
    """Column name -> index of the first header cell that names it."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _NOT_ALNUM.sub("", cell.strip().lower())
        column = _BY_NAME.get(key)
        if column is not None and column not in found:
            found[column] = index
    return found


def parse_csv(content: str) -> Parsed:
    """Every data row read into a :class:`ParsedRow`, or the reasons it could not be."""
    text = content.lstrip("\ufeff")
    first = next((line for line in text.splitlines() if line.strip()), "")
    separator = max(_SEPARATORS, key=first.count)
    records, unreadable = _read(text, separator)
    while records and not any(cell.strip() for cell in records[0]):
        records.pop(0)
    if not records:
        reason = f"not a readable CSV file: {unreadable}" if unreadable else "the file is empty"
        return Parsed(errors=[RowError(0, "content", reason)])
    header, body = records[0], records[1:]
    columns = recognise(header)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        expected = {name: ", ".join(HEADERS[name]) for name in missing}
        return Parsed(
            errors=[
                RowError(0, name, f"no {name} column; name one of: {expected[name]}")
                for name in missing
            ]
        )
    day_first = slash_order(_cell(record, columns, "date") for record in body)
    numbers = (_cell(record, columns, name) for record in body for name in NUMBER_COLUMNS)
    decimal_comma = separator == ";" and writes_decimal_comma(numbers)
    reader = _RowReader(columns, decimal_comma=decimal_comma, day_first=day_first)
    parsed = Parsed()
    for number, record in enumerate(body, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            reason = f"has {len(record)} cells where the header has {len(header)}"
            parsed.errors.append(RowError(number, "row", reason))
            continue
        row, errors = reader.read(number, record)
        if errors:
            parsed.errors.extend(errors)
        elif row is not None:
            parsed.rows.append(row)
    if unreadable:
        parsed.errors.append(RowError(len(body) + 1, "row", f"unreadable from here: {unreadable}"))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append(RowError(0, "content", "the file has no data rows"))
    return parsed


def _read(text: str, separator: str) -> tuple[list[list[str]], str | None]:
    """The records up to the first the strict reader refuses, and why it refused it (None if it
    read the whole file). Past an unterminated quote nothing can be told apart, so reading stops
    there."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=separator, strict=True)
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        reason = str(exc)
        if reason == "unexpected end of data":
            reason = "a quoted cell is never closed (unterminated quote)"
        return records, reason
    return records, None


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


# Income whose amount is negative is a reversal of an earlier payment, not a payment: made
# positive it would count the income twice instead of cancelling it.
INCOME_TYPES = frozenset({TransactionType.DIVIDEND, TransactionType.INTEREST})
REVERSAL = (
    "is negative: a {kind} reversal is not imported (made positive it would count the income"
    " twice); leave the row out and delete the payment it reverses"
)


class _RowReader:
    def __init__(self, columns: dict[str, int], *, decimal_comma: bool, day_first: bool) -> None:
        self.columns = columns
        self.decimal_comma = decimal_comma
        self.day_first = day_first

    def read(self, number: int, record: list[str]) -> tuple[ParsedRow | None, list[RowError]]:
        problems = RowProblems(number)
        cells = _Cells(record, self.columns, problems)
        kind = cells.required("type", parse_type)
        moment = cells.required(
            "date", lambda text: parse_date(text, day_first_slashes=self.day_first)
        )
        quantity, fee = (cells.optional(name, self._size) for name in ("quantity", "fee"))
        amount = cells.optional("amount", self._number)
        if amount is not None and amount < 0 and kind in INCOME_TYPES:
            problems.add("amount", REVERSAL.format(kind=kind.value.lower()))
        amount = None if amount is None else abs(amount)
        price = cells.optional("price", self._price)
        numerator, denominator = cells.optional("split_ratio", parse_ratio) or (None, None)
        # pence and the like: the asset and its ledger are in the major currency
        currency, (price, fee, amount) = in_major_unit(cells.text("currency"), price, fee, amount)
        given = {"quantity": quantity, "price": price, "fee": fee, "amount": amount}
        for name, reason in column_problems(given).items():
            problems.add(name, reason)
        if problems.errors or kind is None or moment is None:
            return None, problems.errors
        if kind in CASH_TYPES and amount is None and quantity is not None and price is not None:
            amount = money_product(quantity, price)
        return ParsedRow(
            row=number,
            type=kind,
            executed_at=moment,
            account=cells.text("account") or None,
            symbol=cells.text("symbol").upper() or None,
            quantity=quantity,
            price=price,
            fee=fee or Decimal(0),
            amount=amount,
            currency=currency.upper() or None,
            split_numerator=numerator,
            split_denominator=denominator,
            note=cells.text("note") or None,
        ), []

    def _number(self, text: str) -> Decimal:
        return parse_number(text, decimal_comma=self.decimal_comma)

    def _size(self, text: str) -> Decimal:
        return abs(self._number(text))

    def _price(self, text: str) -> Decimal:
        price = parse_number(text, decimal_comma=self.decimal_comma)
        if price < 0:
            raise ValueError(
                f"must not be negative: {text.strip()!r} (signs are ignored only for"
                " quantity, fee and amount)"
            )
        return price


class _Cells:
    """The cells of one record by column name; a cell that cannot be read becomes a problem."""

    def __init__(self, record: list[str], columns: dict[str, int], problems: RowProblems) -> None:
        self.record, self.columns, self.problems = record, columns, problems

    def text(self, name: str) -> str:
        return cell_text(_cell(self.record, self.columns, name))

    def optional(self, name: str, reader: Callable[[str], V]) -> V | None:
        text = self.text(name)
        if not text:
            return None
        try:
            return reader(text)
        except ValueError as exc:
            self.problems.add(name, str(exc))
            return None

    def required(self, name: str, reader: Callable[[str], V]) -> V | None:
        if not self.text(name):
            self.problems.add(name, "is required")
            return None
        return self.optional(name, reader)
