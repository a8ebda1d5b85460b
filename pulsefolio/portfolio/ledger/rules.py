"""The ledger rules as pure functions: transactions in, position and cash out.

Positions are derived by replaying an account's transactions of one asset in
``(executed_at, id)`` order through :class:`pulsefolio.portfolio.valuation.LotBook`, by the
account's cost method (FIFO or average cost), so the stored row and the lots the performance
routes show are one computation:

* A BUY opens a lot costing ``quantity * price + fee`` (the purchase fee is capitalized in the
  stored row; ``purchase_fees`` and ``open_purchase_fees`` let a reader take it out again).
* A SELL closes lots by the account's method; its realized gain (``realized_gain``, gross)
  is proceeds minus the closed cost; the sale fee goes to ``fees`` and ``sale_fees``.
* A SPLIT turns the quantity ``q`` into ``q * split_numerator / split_denominator`` rounded
  half-even to the quantity column's scale (the lots share it) and keeps each lot's cost.
* A DIVIDEND adds ``amount`` to ``dividends``; its fee (withholding) goes to ``fees`` and
  ``withholding``; a FEE on an asset adds ``amount + fee`` to ``fees``.

Cash per account and currency never goes negative: an entry that needs more cash than the
account holds in that currency is funded by an *implicit deposit* of the shortfall (an
external inflow in the value history), exactly as the lots book it. Results are rounded
(half-even) to the column scales only once, at the end, by :meth:`PositionState.stored`, so a
replay from the database and a replay of freshly generated data agree to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from pulsefolio.core.domain import CostMethod, TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import MONEY_NUMERIC, PRICE_NUMERIC, QUANTITY_NUMERIC, ZERO
from pulsefolio.portfolio.valuation import LedgerEntry, LotBook
from pulsefolio.portfolio.valuation.lots import FEE, INCOME, PURCHASE, SALE, WITHHOLDING

T = TransactionType
_MONEY = Decimal(1).scaleb(-MONEY_NUMERIC[1])
_QUANTITY = Decimal(1).scaleb(-QUANTITY_NUMERIC[1])
_PRICE = Decimal(1).scaleb(-PRICE_NUMERIC[1])
ONE = Decimal(1)


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
    cost_basis_base: Decimal | None = None
    purchase_fees: Decimal = ZERO
    sale_fees: Decimal = ZERO
    withholding: Decimal = ZERO
    open_purchase_fees: Decimal = ZERO
    open_purchase_fees_base: Decimal | None = None

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
            cost_basis_base=_maybe_money(self.cost_basis_base),
            purchase_fees=as_money(self.purchase_fees),
            sale_fees=as_money(self.sale_fees),
            withholding=as_money(self.withholding),
            open_purchase_fees=as_money(self.open_purchase_fees),
            open_purchase_fees_base=_maybe_money(self.open_purchase_fees_base),
        )


def _maybe_money(value: Decimal | None) -> Decimal | None:
    return None if value is None else as_money(value)


def _reject(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {reason}", {field: reason})


_ASSET_TYPES = frozenset({T.BUY, T.SELL, T.SPLIT, T.DIVIDEND, T.FEE})


def to_ledger_entry(
    entry: Entry, fx_rate: Decimal = ONE, lots: tuple[tuple[int, Decimal], ...] = ()
) -> LedgerEntry:
    """``entry`` in the shape :mod:`pulsefolio.portfolio.valuation` replays.

    Cash-only types carry their amount as ``1 x amount``; a FEE's amount and fee add up to
    the one fee the lots count.
    """
    t, fee = entry.type, entry.fee
    split = None
    quantity, price = entry.quantity or ZERO, entry.price or ZERO
    if t is T.SPLIT:
        num, den = entry.split_numerator, entry.split_denominator
        if num is None or den is None or num <= 0 or den <= 0:
            raise _reject("split", f"ratio sides must be positive, got {num}:{den}")
        split = (num, den)
    elif t is T.FEE:
        fee = (entry.amount or ZERO) + fee
    elif t not in (T.BUY, T.SELL):
        quantity, price = ONE, _required(entry.amount, "amount")
    return LedgerEntry(
        entry.id, t, entry.executed_at, "asset", quantity, price, fee, "XXX", split, fx_rate,
        "", lots,
    )  # fmt: skip


def fold_position(
    entries: Iterable[Entry],
    method: CostMethod = CostMethod.FIFO,
    rates: Mapping[int, Decimal] | None = None,
    lots: Mapping[int, tuple[tuple[int, Decimal], ...]] | None = None,
) -> PositionState:
    """Replay one asset's ``entries`` (in ``(executed_at, id)`` order) into lots by ``method``.

    ``rates`` maps entry ids to trade-date FX rates (base per unit); the base cost is None
    unless every BUY has one. INTEREST, DEPOSIT and WITHDRAWAL tied to an asset change only
    cash. A DIVIDEND before any BUY is rejected: nothing was held to pay it. Raises
    ValidationFailed (``quantity``) on a sale beyond the open lots, and (``lots``) on a sale
    naming lots (``lots``: sale id -> lot ids and quantities) that do not cover it.
    """
    book = LotBook(method=method)
    rates, named = rates or {}, lots or {}
    known = True
    for entry in entries:
        if entry.type not in _ASSET_TYPES:
            continue
        rate = rates.get(entry.id)
        known = known and (rate is not None or entry.type is not T.BUY)
        try:
            book.apply(to_ledger_entry(entry, rate or ONE, named.get(entry.id, ())))
        except ValidationFailed as exc:
            raise _translate(exc, entry) from None
    state = book.snapshot()
    paid = state.fees_paid()
    return PositionState(
        quantity=sum((lot.quantity for lot in state.open_lots), ZERO),
        cost_basis=state.open_cost(),
        realized_gain=state.realized(),
        dividends=state.total(INCOME),
        fees=state.total(FEE),
        cost_basis_base=state.open_cost(base=True) if known else None,
        purchase_fees=paid[PURCHASE],
        sale_fees=paid[SALE],
        withholding=paid[WITHHOLDING],
        open_purchase_fees=sum((lot.purchase_fee for lot in state.open_lots), ZERO),
        open_purchase_fees_base=sum((lot.purchase_fee_base for lot in state.open_lots), ZERO)
        if known
        else None,
    )


def _translate(exc: ValidationFailed, entry: Entry) -> ValidationFailed:
    """The lots' field names as the API knows them (the asset, not its symbol)."""
    when = entry.executed_at.isoformat()
    if "symbol" in exc.fields:
        return _reject("asset_id", f"{entry.type.value.lower()} on an asset not held before it")
    if "quantity" in exc.fields and entry.type is T.SELL:
        reason = exc.fields["quantity"].replace("sells", f"on {when} sells", 1)
        return _reject("quantity", reason)
    return exc


def named_lots(stored: list[dict[str, str | int]] | None) -> tuple[tuple[int, Decimal], ...]:
    """A SELL's ``lots`` column as (lot id, quantity) pairs."""
    return tuple((int(item["lot_id"]), Decimal(str(item["quantity"]))) for item in stored or ())


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
    """The cash balance after ``entries`` (one currency), rounded to the money column scale.

    A shortfall is an implicit deposit, so the balance never drops below zero.
    """
    balance = ZERO
    for entry in entries:
        balance = max(balance + cash_effect(entry), ZERO)
    return as_money(balance)


def _required(value: Decimal | None, field: str) -> Decimal:
    if value is None:
        raise _reject(field, "is required")
    return value
