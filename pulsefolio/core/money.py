"""Money, quantities and prices as exact decimals.

No float ever holds an amount: provider text is parsed straight into :class:`~decimal.Decimal`,
arithmetic runs at 28 significant digits, and rounding happens only where a figure is shown or
settled, half-even to the currency's minor unit (:func:`present`).

Database columns use :data:`MONEY_NUMERIC`, :data:`QUANTITY_NUMERIC` and :data:`PRICE_NUMERIC`
precisions, wide enough for any real position and price.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MONEY_NUMERIC = (20, 6)
QUANTITY_NUMERIC = (24, 10)
PRICE_NUMERIC = (24, 10)
RATE_NUMERIC = (24, 12)

ZERO = Decimal(0)

_CURRENCY = re.compile(r"^[A-Z]{3}$")

# ISO 4217 minor units that differ from 2; every other code has 2 decimals.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}


# Currencies quoted in their minor unit by exchanges: London pence, Johannesburg cents, Tel Aviv
# agorot. Spellings as Yahoo (GBp, ZAc, ILA) and as ISO-like codes (GBX, ZAC).
SUBUNIT_QUOTES = {"GBp": "GBP", "GBX": "GBP", "ZAc": "ZAR", "ZAC": "ZAR", "ILA": "ILS"}


def in_major_unit(
    currency: str, *amounts: Decimal | None
) -> tuple[str, tuple[Decimal | None, ...]]:
    """The major currency and ``amounts`` in it if ``currency`` is a minor-unit quote (pence to
    pounds), else both unchanged."""
    major = SUBUNIT_QUOTES.get(currency)
    if major is None:
        return currency, amounts
    return major, tuple(None if amount is None else amount / 100 for amount in amounts)


def fits(value: Decimal, numeric: tuple[int, int]) -> bool:
    """Whether ``value``, already at most ``numeric``'s scale, is below its digit limit."""
    precision, scale = numeric
    return not value or value.adjusted() < precision - scale


def column_problem(value: Decimal, numeric: tuple[int, int]) -> str | None:
    """Why ``value`` does not fit a ``NUMERIC(precision, scale)`` column as it is, or None.

    PostgreSQL would round away decimals beyond the scale (a tiny positive amount becoming 0)
    and refuse more digits before the point than ``precision - scale``.
    """
    precision, scale = numeric
    _, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent < 0 and any(digits):
        trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        if -exponent - trailing > scale:
            return f"must have at most {scale} decimal places"
    if not fits(value, numeric):
        return f"is too large: at most {precision - scale} digits before the decimal point"
    return None


def is_currency(code: str) -> bool:
    return bool(_CURRENCY.match(code))


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency, 2)


def parse_decimal(text: str | int | Decimal) -> Decimal:
    """Parse provider or user text into a finite Decimal; raise ValueError otherwise."""
    if isinstance(text, bool):
        raise ValueError("a boolean is not a number")
    try:
        value = Decimal(text) if isinstance(text, (int, Decimal)) else Decimal(text.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not a number: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return value


def present(amount: Decimal, currency: str) -> Decimal:
    """Round an amount for display or settlement: half-even to the currency's minor unit."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)


@functools.lru_cache(maxsize=256)
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal amount, not {type(self.amount).__name__}")
        if not is_currency(self.currency):
            raise ValueError(f"not a currency code: {self.currency!r}")

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def convert(self, rate: Decimal, currency: str) -> Money:
        """This amount in ``currency``, where ``rate`` is units of ``currency`` per unit here."""
        return Money(self.amount * rate, currency)

    def rounded(self) -> Money:
        return Money(present(self.amount, self.currency), self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)


def currency_code(value: str) -> str:
    """``value`` as an upper-case ISO 4217 code; ValueError with a user-facing reason if not."""
    code = value.strip().upper()
    if not is_currency(code):
        raise ValueError("expected a three-letter currency code such as USD")
    return code
