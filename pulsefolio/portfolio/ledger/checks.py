"""Checks of one transaction against its type, its asset and the clock, before it is written.

Each failure is a :class:`~pulsefolio.core.errors.ValidationFailed` naming every bad field.

Every number must fit its column as it is (``NUMERIC(p, s)``): PostgreSQL would round away
decimals beyond the scale (so a tiny positive amount would become 0 and break a CHECK) and
refuse more digits before the point than ``p - s``. What the ledger derives from the numbers
(a cost, a position, a balance) must fit its column too: :class:`TooLarge` says which did not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import (
    MONEY_NUMERIC,
    PRICE_NUMERIC,
    QUANTITY_NUMERIC,
    column_problem,
    fits,
    is_currency,
)

T = TransactionType
TRADES = frozenset({T.BUY, T.SELL})
NEEDS_ASSET = frozenset({T.BUY, T.SELL, T.SPLIT, T.DIVIDEND})
NEEDS_AMOUNT = frozenset({T.DIVIDEND, T.INTEREST, T.FEE, T.DEPOSIT, T.WITHDRAWAL})
FUTURE_TOLERANCE = timedelta(days=1)
EARLIEST_YEAR = 1900  # the import parser's lower bound as well

Numeric = tuple[int, int]
COLUMNS: dict[str, Numeric] = {
    "quantity": QUANTITY_NUMERIC,
    "price": PRICE_NUMERIC,
    "amount": MONEY_NUMERIC,
    "fee": MONEY_NUMERIC,
    "split_numerator": QUANTITY_NUMERIC,
    "split_denominator": QUANTITY_NUMERIC,
}


def money_product(quantity: Decimal, price: Decimal) -> Decimal:
    """``quantity × price`` as an amount: rounded half-even to the money scale (as the column
    would store it) when it fits the column, as it is otherwise (for the checks to refuse).
    ``quantity`` and ``price`` must fit their own columns, so the product cannot overflow."""
    product = quantity * price
    if not fits(product, MONEY_NUMERIC):
        return product
    return product.quantize(Decimal(1).scaleb(-MONEY_NUMERIC[1]), rounding=ROUND_HALF_EVEN)


class TooLarge(Exception):
    """A figure the ledger derives (a position, a cost, a balance) does not fit its column;
    :meth:`blaming` turns it into the ValidationFailed a user sees."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.reason = f"makes {what} too large to store"

    def blaming(self, fields: tuple[str, ...]) -> ValidationFailed:
        """The failure, naming the request's ``fields`` that caused it."""
        detail = f"{', '.join(fields)}: {self.reason}"
        return ValidationFailed(detail, dict.fromkeys(fields, self.reason))


def check_transaction(
    *,
    type: TransactionType,
    executed_at: datetime,
    currency: str,
    asset_id: int | None,
    asset_currency: str | None,
    quantity: Decimal | None,
    price: Decimal | None,
    amount: Decimal | None,
    fee: Decimal | None,
    split_numerator: Decimal | None,
    split_denominator: Decimal | None,
    now: datetime,
) -> None:
    """Raise ValidationFailed listing every field that is wrong for this ``type``.

    ``asset_currency`` is the currency of the asset ``asset_id`` names (None without an asset).
    """
    errors: dict[str, str] = {}
    if executed_at.tzinfo is None or executed_at.utcoffset() is None:
        errors["executed_at"] = "must be timezone-aware"
    elif executed_at > now + FUTURE_TOLERANCE:
        errors["executed_at"] = "must not be more than a day in the future"
    elif executed_at.year < EARLIEST_YEAR:
        errors["executed_at"] = f"must not be before the year {EARLIEST_YEAR}"
    if not is_currency(currency):
        errors["currency"] = "must be a three-letter currency code"
    elif asset_currency is not None and currency != asset_currency:
        errors["currency"] = f"must be the asset's currency {asset_currency}"
    if fee is not None and fee < 0:
        errors["fee"] = "must not be negative"
    if type in NEEDS_ASSET and asset_id is None:
        errors["asset_id"] = f"is required for {type.value}"
    if type in TRADES:
        if quantity is None or quantity <= 0:
            errors["quantity"] = "must be positive"
        if price is None or price < 0:
            errors["price"] = "must be zero or more"
    if type in NEEDS_AMOUNT and (amount is None or amount <= 0):
        errors["amount"] = "must be positive"
    if type is T.SPLIT:
        for name, side in (
            ("split_numerator", split_numerator),
            ("split_denominator", split_denominator),
        ):
            if side is None or side <= 0:
                errors[name] = "must be positive"
    given = {
        "quantity": quantity,
        "price": price,
        "amount": amount,
        "fee": fee,
        "split_numerator": split_numerator,
        "split_denominator": split_denominator,
    }
    for name, problem in column_problems(given).items():
        errors.setdefault(name, problem)
    if type in TRADES and not errors and quantity is not None and price is not None:
        _check_trade_total(quantity, price, fee, errors)
    if errors:
        detail = "; ".join(f"{name}: {reason}" for name, reason in errors.items())
        raise ValidationFailed(f"invalid {type.value} transaction: {detail}", errors)


def column_problems(given: dict[str, Decimal | None]) -> dict[str, str]:
    """Why each of ``given`` (keyed by the columns of :data:`COLUMNS`) does not fit its column."""
    problems = {}
    for name, value in given.items():
        problem = None if value is None else column_problem(value, COLUMNS[name])
        if problem is not None:
            problems[name] = problem
    return problems


def _check_trade_total(
    quantity: Decimal, price: Decimal, fee: Decimal | None, errors: dict[str, str]
) -> None:
    """A trade's cost (or proceeds) must fit the money columns; both sides fit their own."""
    if not fits(quantity * price + (fee or 0), MONEY_NUMERIC):
        limit = 10 ** (MONEY_NUMERIC[0] - MONEY_NUMERIC[1])
        reason = f"quantity × price is too large: the total must stay below {limit}"
        errors["quantity"] = errors["price"] = reason
