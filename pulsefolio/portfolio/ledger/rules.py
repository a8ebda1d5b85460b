"""The ledger rules as pure functions: transactions in, position and cash out.

Positions are derived by replaying an account's transactions of one asset in
``(executed_at, id)`` order, at average cost, with the same conventions as
:mod:`pulsefolio.portfolio.valuation.lots`:

* A BUY adds ``quantity * price + fee`` to the cost basis (the purchase fee is capitalized).
* A SELL removes the sold fraction of the cost basis; its realized gain is
  ``quantity * price - removed cost``; the sale fee goes to ``fees``, not into the gain.
* A SPLIT multiplies the quantity by ``split_numerator / split_denominator`` and keeps the
  cost basis, so the average cost divides by the same factor.
* A DIVIDEND adds ``amount`` to ``dividends``; its fee (withholding) goes to ``fees``;
  a FEE on an asset adds ``amount + fee`` to ``fees``.

Cash per account and currency is the sum of :func:`cash_effect` (it may go negative).
Results are rounded (half-even) to the column scales only once, at the end, by
:meth:`PositionState.stored`, so a replay from the database and a replay of freshly generated
data agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import MONEY_NUMERIC, PRICE_NUMERIC, QUANTITY_NUMERIC, ZERO

T = TransactionType
_MONEY = Decimal(1).scaleb(-MONEY_NUMERIC[1])
_QUANTITY = Decimal(1).scaleb(-QUANTITY_NUMERIC[1])
_PRICE = Decimal(1).scaleb(-PRICE_NUMERIC[1])


def as_money(value: Decimal) -> Decimal:
    return value.quantize(_MONEY, rounding=ROUND_HALF_EVEN)


def as_quantity(value: Decimal) -> Decimal:
    return value.quantize(_QUANTITY, rounding=ROUND_HALF_EVEN)


def as_price(value: Decimal) -> Decimal:
    return value.quantize(_PRICE, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Entry:
    """The columns of one transaction the rules read."""

    id: int
    type: TransactionType
    executed_at: datetime
    quantity: Decimal | None = None
    price: Decimal | None = None
    amount: Decimal | None = None
    fee: Decimal = ZERO
    split_numerator: Decimal | None = None
    split_denominator: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PositionState:
    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realized_gain: Decimal = ZERO
    dividends: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def average_cost(self) -> Decimal:
        return self.cost_basis / self.quantity if self.quantity else ZERO

    def stored(self) -> PositionState:
        """This state rounded to the scales of the ``positions`` columns."""
        return PositionState(
            quantity=as_quantity(self.quantity),
            cost_basis=as_money(self.cost_basis),
            realized_gain=as_money(self.realized_gain),
            dividends=as_money(self.dividends),
            fees=as_money(self.fees),
        )


def _reject(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


def step(state: PositionState, entry: Entry) -> PositionState:
    """The position after ``entry``; raises ValidationFailed on an oversell or bad split."""
    t = entry.type
    if t is T.BUY:
        q, p = _required(entry.quantity, "quantity"), _required(entry.price, "price")
        return replace(
            state, quantity=state.quantity + q, cost_basis=state.cost_basis + q * p + entry.fee
        )
    if t is T.SELL:
        q, p = _required(entry.quantity, "quantity"), _required(entry.price, "price")
        if q > state.quantity:
            raise _reject(
                "quantity",
                f"sells {q.normalize():f} but only {state.quantity.normalize():f} are held "
                f"on {entry.executed_at.isoformat()}",
            )
        left = state.quantity - q
        removed = state.cost_basis if left == 0 else state.cost_basis * q / state.quantity
        return replace(
            state,
            quantity=left,
            cost_basis=state.cost_basis - removed,
            realized_gain=state.realized_gain + q * p - removed,
            fees=state.fees + entry.fee,
        )
    if t is T.SPLIT:
        num, den = entry.split_numerator, entry.split_denominator
        if num is None or den is None or num <= 0 or den <= 0:
            raise _reject("split", f"ratio sides must be positive, got {num}:{den}")
        return replace(state, quantity=state.quantity * num / den, fees=state.fees + entry.fee)
    if t is T.DIVIDEND:
        return replace(
            state,
            dividends=state.dividends + _required(entry.amount, "amount"),
            fees=state.fees + entry.fee,
        )
    if t is T.FEE:
        return replace(state, fees=state.fees + (entry.amount or ZERO) + entry.fee)
    # INTEREST, DEPOSIT, WITHDRAWAL tied to an asset change only cash.
    return state


def fold_position(entries: Iterable[Entry]) -> PositionState:
    """Replay ``entries`` (already in ``(executed_at, id)`` order) from an empty position.

    A DIVIDEND before any BUY is rejected: there is nothing it could have been paid on.
    """
    state = PositionState()
    bought = False
    for entry in entries:
        if entry.type is T.DIVIDEND and not bought:
            raise _reject("asset_id", "dividend on an asset not held before it")
        bought = bought or entry.type is T.BUY
        state = step(state, entry)
    return state


def cash_effect(entry: Entry) -> Decimal:
    """Signed change of the account's cash in the transaction's currency."""
    t, fee = entry.type, entry.fee
    if t is T.BUY:
        return -(_required(entry.quantity, "quantity") * _required(entry.price, "price") + fee)
    if t is T.SELL:
        return _required(entry.quantity, "quantity") * _required(entry.price, "price") - fee
    if t in (T.DIVIDEND, T.INTEREST, T.DEPOSIT):
        return _required(entry.amount, "amount") - fee
    if t in (T.WITHDRAWAL, T.FEE):
        return -(_required(entry.amount, "amount") + fee)
    return -fee  # SPLIT


def fold_cash(entries: Iterable[Entry]) -> Decimal:
    """The cash balance after ``entries``, rounded to the money column scale."""
    return as_money(sum((cash_effect(entry) for entry in entries), ZERO))


def _required(value: Decimal | None, field: str) -> Decimal:
    if value is None:
        raise _reject(field, "is required")
    return value
