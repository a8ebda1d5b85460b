"""Reading the cells of an import: numbers, dates, transaction types and split ratios.

Each reader raises ValueError whose message is the reason shown to the user.

Numbers: ``1234.5``, ``1,234.5``, ``1.234,5``, ``1'234.5``, ``$12.5``, ``(12.5)`` (negative)
and ``12,5`` are read; a lone comma followed by exactly three digits (``1,234``) is ambiguous
and refused unless the file is known to use decimal commas (a ``;``-separated file whose
numbers do not show decimal dots: :func:`writes_decimal_comma`). In such a file, dots without a
comma are thousands marks when every group after the first has three digits (``1.000`` is
1000, ``1.234.567`` is 1234567); any other dotted number (``12.5``) is ambiguous and refused.

Dates: ISO (``2026-01-02``, with or without a time), ``2026/01/02``, ``02.01.2026``,
``02-01-2026`` (day first), ``Jan 2, 2026``, ``2 Jan 2026`` and slashed ``01/02/2026``, read
month first unless the file shows otherwise (see :func:`slash_order`). A date without a time
is midnight UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from pulsefolio.core.domain import TransactionType
from pulsefolio.portfolio.transactions.decimals import plain

T = TransactionType

TYPE_NAMES: dict[str, TransactionType] = {
    **dict.fromkeys(("buy", "bought", "purchase", "market buy", "limit buy"), T.BUY),
    **dict.fromkeys(("sell", "sold", "sale", "market sell", "limit sell"), T.SELL),
    **dict.fromkeys(("dividend", "dividends", "div", "cash dividend"), T.DIVIDEND),
    **dict.fromkeys(("interest", "interest income", "credit interest"), T.INTEREST),
    **dict.fromkeys(("fee", "fees", "commission", "charge"), T.FEE),
    **dict.fromkeys(("split", "stock split"), T.SPLIT),
    **dict.fromkeys(("deposit", "cash in", "transfer in", "contribution"), T.DEPOSIT),
    **dict.fromkeys(("withdrawal", "withdraw", "cash out", "transfer out"), T.WITHDRAWAL),
}

YEARS = (1900, 2200)
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[.-](\d{1,2})[.-](\d{4})$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_WORDY = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%d-%b-%Y")
_RATIO = re.compile(r"^\s*([\d.]+)\s*(?::|/|-for-|\s+for\s+)\s*([\d.]+)\s*$", re.IGNORECASE)
_NOISE = re.compile(r"[\s'$€£]")  # spaces, Swiss thousands marks, currency signs
_THREE_AFTER_COMMA = re.compile(r"^-?\d{1,3},\d{3}$")
_DOT_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")


def writes_decimal_comma(numbers: Iterable[str]) -> bool:
    """Whether a ``;``-separated file's number cells write decimals with a comma.

    A number holding both marks settles it by the last one (``1.234,5`` or ``1,234.5``), so does
    a lone comma (``12,5``); a dot that is not a thousands mark (``12.5``, ``0.1234``) shows dot
    decimals. A file whose dotted numbers all look like ``1.000`` keeps the comma convention of
    its separator, and those numbers read as thousands.
    """
    dotted = False
    for raw in numbers:
        text = _NOISE.sub("", raw).strip("()")
        if "," in text:
            if text.rfind(",") > text.rfind("."):
                return True
            dotted = True
        elif "." in text and not _DOT_THOUSANDS.match(text):
            dotted = True
    return not dotted


def parse_type(text: str) -> TransactionType:
    key = " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    if key in TYPE_NAMES:
        return TYPE_NAMES[key]
    raise ValueError(f"unknown type {text.strip()!r}")


def parse_number(text: str, *, decimal_comma: bool = False) -> Decimal:
    """The exact Decimal ``text`` writes; see the module docstring for the accepted forms."""
    raw = _NOISE.sub("", text)
    if raw.startswith("(") and raw.endswith(")"):
        raw = "-" + raw[1:-1]
    if "," in raw and "." in raw:
        thousands = "," if raw.rfind(".") > raw.rfind(",") else "."
        raw = raw.replace(thousands, "").replace(",", ".")
    elif "," in raw:
        if raw.count(",") > 1:
            raw = raw.replace(",", "")
        elif decimal_comma or not _THREE_AFTER_COMMA.match(raw):
            raw = raw.replace(",", ".")
        else:
            raise ValueError(f"ambiguous number {text.strip()!r}: write 1234 or 1.234")
    elif "." in raw and decimal_comma:
        if not _DOT_THOUSANDS.match(raw):
            raise ValueError(
                f"ambiguous number {text.strip()!r}: this file writes decimals with a comma;"
                " write 12,5 (or 1.234 for a thousands-grouped 1234)"
            )
        raw = raw.replace(".", "")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"not a number: {text.strip()!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a number: {text.strip()!r}")
    return value


def slash_order(cells: Iterable[str]) -> bool:
    """Whether the file's ``a/b/yyyy`` dates are day first: yes if any ``a`` exceeds 12.

    Without such evidence the US order (month first) is assumed.
    """
    for cell in cells:
        found = _SLASHED.match(cell.strip())
        if found and int(found.group(1)) > 12:
            return True
    return False


def parse_date(text: str, *, day_first_slashes: bool = False) -> datetime:
    """A timezone-aware moment; a date alone is midnight UTC, a naive time is taken as UTC."""
    moment = _parse_date(text.strip(), day_first_slashes)
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError(f"year {moment.year} is outside {YEARS[0]}-{YEARS[1]}")
    return moment


def _parse_date(raw: str, day_first_slashes: bool) -> datetime:
    if not raw:
        raise ValueError("is empty")
    try:
        return _aware(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        if found := _SLASHED.match(raw):
            a, b, year = (int(part) for part in found.groups())
            day, month = (a, b) if day_first_slashes else (b, a)
            return _midnight(date(year, month, day))
        if found := _DAY_FIRST.match(raw):
            day, month, year = (int(part) for part in found.groups())
            return _midnight(date(year, month, day))
        if found := _YEAR_FIRST.match(raw):
            year, month, day = (int(part) for part in found.groups())
            return _midnight(date(year, month, day))
    except ValueError:
        raise ValueError(f"not a valid date: {raw!r}") from None
    for pattern in _WORDY:
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not a recognised date: {raw!r}; use YYYY-MM-DD")


def parse_ratio(text: str) -> tuple[Decimal, Decimal]:
    """``2:1``, ``1/10``, ``3-for-1`` or ``3 for 1`` as (numerator, denominator)."""
    found = _RATIO.match(text)
    if not found:
        raise ValueError(f"not a ratio: {text.strip()!r}; write it as 2:1")
    try:
        return Decimal(found.group(1)), Decimal(found.group(2))
    except InvalidOperation:
        raise ValueError(f"not a ratio: {text.strip()!r}; write it as 2:1") from None


def format_ratio(numerator: Decimal | None, denominator: Decimal | None) -> str:
    if numerator is None or denominator is None:
        return ""
    return f"{plain(numerator)}:{plain(denominator)}"


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
