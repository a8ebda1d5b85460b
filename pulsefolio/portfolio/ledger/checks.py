"""Checks of one transaction against its type, its asset and the clock, before it is written.

Each failure is a :class:`~pulsefolio.core.errors.ValidationFailed` naming every bad field.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import is_currency

T = TransactionType
TRADES = frozenset({T.BUY, T.SELL})
NEEDS_ASSET = frozenset({T.BUY, T.SELL, T.SPLIT, T.DIVIDEND})
NEEDS_AMOUNT = frozenset({T.DIVIDEND, T.INTEREST, T.FEE, T.DEPOSIT, T.WITHDRAWAL})
FUTURE_TOLERANCE = timedelta(days=1)


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
    if errors:
        detail = "; ".join(f"{name}: {reason}" for name, reason in errors.items())
        raise ValidationFailed(f"invalid {type.value} transaction: {detail}", errors)
