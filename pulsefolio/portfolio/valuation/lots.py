"""Replay an account's ledger into open lots, closed lots, income, fees and cash.

Conventions
-----------
* **Order.** Entries apply in ``(executed_at, id)`` order (:func:`~.ledger.ordered`);
  :class:`LotBook` applied entry by entry equals :func:`replay` over the whole ledger.
* **Cost basis includes the purchase fee** by default (``capitalize=True``, the setting
  ``purchase_fees_in_cost_basis``). A BUY opens a lot whose cost is ``quantity * price + fee``
  (asset currency) and ``cost * fx_rate`` (base currency, the trade-date rate): the purchase
  fee is *capitalized*, not counted in ``fees``. With ``capitalize=False`` the cost is
  ``quantity * price`` and the purchase fee is expensed (counted in ``fees``) on the day paid.
  Either way each lot carries its ``purchase_fee`` share.
* **Realized gain** of a closed lot comes as a pair: ``gain_gross = proceeds - cost`` with
  ``proceeds = quantity * sale price``, and ``gain_net``, after every fee of the lot: the sale
  fee (``fee``, split over the lots a sale closes in proportion to quantity, counted in
  ``fees``) and, when not capitalized, the lot's purchase fee share. ``gain_net`` is the same
  under either setting.
* **FIFO** closes the oldest lots first, **LIFO** the newest, **HIFO** the highest unit cost
  first (ties: oldest first), **SPECIFIC** the lots a sale names (``LedgerEntry.lots``, lot id
  and quantity; none named: oldest first). **AVERAGE** prices every unit of a symbol at the
  pool's average cost (asset and base currency alike); units still leave oldest first, so
  holding periods stay meaningful, and every open lot shows the pool's average unit cost.
* **SPLIT** turns the holding's quantity ``q`` into ``q * numerator / denominator``, rounded
  half-even to the quantity column's scale (10 places); each open lot becomes its own quantity
  times the ratio at that scale, the newest lot taking what rounding leaves so the lots add up
  to the holding. Each lot keeps its total cost, so unit cost divides by the ratio.
* **Cash** is tracked per currency. Cash never goes negative: when an entry needs more
  cash than the account holds in that currency, the shortfall is booked as an *implicit
  deposit* (an external inflow). A ledger without DEPOSITs thus reads as purchases funded
  from outside.
* **Identity**, exact per currency ``c`` (every entry settles in one currency)::

      realized_c + unrealized_c + income_c - fees_c
          == holdings_value_c + cash_c + withdrawals_c - deposits_c - implicit_deposits_c

  where ``unrealized_c = holdings_value_c - open_cost_c``, ``income_c`` is gross DIVIDEND
  and INTEREST, and ``fees_c`` are all fees except capitalized purchase fees.
* **Holding period** is in calendar days between the entries' local dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pulsefolio.core.domain import CostMethod, TransactionType
from pulsefolio.core.money import ZERO

from .ledger import LedgerEntry, check_entry, fail, ordered, sort_key

T = TransactionType

# CashEvent kinds.
INCOME = "income"
FEE = "fee"
CAPITALIZED_FEE = "capitalized_fee"
DEPOSIT = "deposit"
WITHDRAWAL = "withdrawal"
IMPLICIT_DEPOSIT = "implicit_deposit"


Amounts = tuple[Decimal, Decimal, Decimal, Decimal]  # cost, cost_base, fee, fee_base
NONE: Amounts = (ZERO, ZERO, ZERO, ZERO)

# Fee categories, by the type of the entry that paid the fee.
PURCHASE = "purchase"
SALE = "sale"
WITHHOLDING = "withholding"
OTHER = "other"
FEE_CATEGORIES = (PURCHASE, SALE, WITHHOLDING, OTHER)
_CATEGORY = {T.BUY: PURCHASE, T.SELL: SALE, T.DIVIDEND: WITHHOLDING, T.INTEREST: WITHHOLDING}


@dataclass(frozen=True, slots=True)
class Lot:
    """An open lot: what is left of one purchase. ``purchase_fee`` is its share of the
    purchase fee, inside ``cost`` when capitalized."""

    id: int | str
    account: str
    symbol: str
    currency: str
    opened_at: datetime
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal
    purchase_fee: Decimal = ZERO
    purchase_fee_base: Decimal = ZERO

    @property
    def unit_cost(self) -> Decimal:
        return self.cost / self.quantity

    def holding_days(self, as_of: date) -> int:
        return (as_of - self.opened_at.date()).days


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """The part of one lot that one sale closed; ``fee`` is its share of the sale fee."""

    lot_id: int | str
    sale_id: int | str
    account: str
    symbol: str
    currency: str
    opened_at: datetime
    closed_at: datetime
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal
    proceeds: Decimal
    proceeds_base: Decimal
    fee: Decimal
    fee_base: Decimal
    purchase_fee: Decimal = ZERO
    purchase_fee_base: Decimal = ZERO
    capitalized: bool = True

    @property
    def gain_gross(self) -> Decimal:
        """Realized gain in the asset currency, before the sale fee: ``proceeds - cost``."""
        return self.proceeds - self.cost

    @property
    def gain_gross_base(self) -> Decimal:
        return self.proceeds_base - self.cost_base

    @property
    def fees(self) -> Decimal:
        """Every fee of this lot portion that ``cost`` does not already hold."""
        return self.fee if self.capitalized else self.fee + self.purchase_fee

    @property
    def fees_base(self) -> Decimal:
        return self.fee_base if self.capitalized else self.fee_base + self.purchase_fee_base

    @property
    def gain_net(self) -> Decimal:
        """Realized gain after every fee (sale, and purchase): the same under either setting."""
        return self.gain_gross - self.fees

    @property
    def gain_net_base(self) -> Decimal:
        return self.gain_gross_base - self.fees_base

    @property
    def holding_days(self) -> int:
        return (self.closed_at.date() - self.opened_at.date()).days


@dataclass(frozen=True, slots=True)
class CashEvent:
    """Income, a fee, or an external flow, in ``currency`` with its trade-date rate."""

    entry_id: int | str
    account: str
    executed_at: datetime
    kind: str
    symbol: str | None
    currency: str
    amount: Decimal
    fx_rate: Decimal
    type: TransactionType | None = None

    @property
    def amount_base(self) -> Decimal:
        return self.amount * self.fx_rate

    @property
    def category(self) -> str:
        """The fee's category: purchase, sale, withholding or other."""
        return _CATEGORY.get(self.type, OTHER) if self.type else OTHER


@dataclass(frozen=True)
class AccountLots:
    """The replayed state of one account."""

    account: str
    method: CostMethod
    open_lots: tuple[Lot, ...]
    closed_lots: tuple[ClosedLot, ...]
    events: tuple[CashEvent, ...]
    cash: Mapping[str, Decimal]
    capitalized: bool = True

    def total(self, kind: str, currency: str | None = None, base: bool = False) -> Decimal:
        """Sum of events of ``kind`` (in one currency, or all in base currency)."""
        return (
            sum(
                (e.amount_base if base else e.amount)
                for e in self.events
                if e.kind == kind and (currency is None or e.currency == currency)
            )
            or ZERO
        )

    def fees_paid(self, symbol: str | None = None, base: bool = False) -> dict[str, Decimal]:
        """Every fee paid (capitalized or not) by category, of one holding or all."""
        out = dict.fromkeys(FEE_CATEGORIES, ZERO)
        for e in self.events:
            if e.kind in (FEE, CAPITALIZED_FEE) and (symbol is None or e.symbol == symbol):
                out[e.category] += e.amount_base if base else e.amount
        return out

    def realized(self, currency: str | None = None, base: bool = False) -> Decimal:
        """Realized gain before the sale fees (``gain_gross``)."""
        return (
            sum(
                (c.gain_gross_base if base else c.gain_gross)
                for c in self.closed_lots
                if currency is None or c.currency == currency
            )
            or ZERO
        )

    def open_cost(self, currency: str | None = None, base: bool = False) -> Decimal:
        return (
            sum(
                (lot.cost_base if base else lot.cost)
                for lot in self.open_lots
                if currency is None or lot.currency == currency
            )
            or ZERO
        )


def _part(amounts: Amounts, take: Decimal, whole: Decimal) -> Amounts:
    c, cb, f, fb = amounts
    return (c * take / whole, cb * take / whole, f * take / whole, fb * take / whole)


def _minus(a: Amounts, b: Amounts) -> Amounts:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3])


def _plus(a: Amounts, b: Amounts) -> Amounts:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3])


@dataclass(slots=True)
class _Open:
    id: int | str
    opened_at: datetime
    quantity: Decimal
    amounts: Amounts


@dataclass(slots=True)
class _Position:
    currency: str
    lots: list[_Open] = field(default_factory=list)
    head: int = 0  # lots before head are fully closed
    quantity: Decimal = ZERO
    amounts: Amounts = NONE

    def live(self) -> list[_Open]:
        while self.head < len(self.lots) and self.lots[self.head].quantity == 0:
            self.head += 1
        return [o for o in self.lots[self.head :] if o.quantity > 0]


class LotBook:
    """One account's lots, updated entry by entry in replay order."""

    def __init__(
        self, account: str = "", method: CostMethod = CostMethod.FIFO, capitalize: bool = True
    ) -> None:
        self.account = account
        self.method = method
        self.capitalize = capitalize
        self._positions: dict[str, _Position] = {}
        self._closed: list[ClosedLot] = []
        self._events: list[CashEvent] = []
        self._cash: dict[str, Decimal] = {}
        self._last: tuple[datetime, int, int | str] | None = None

    def apply(self, entry: LedgerEntry) -> None:
        """Apply one entry; raise :class:`ValidationFailed` naming the field at fault.

        Entries must come in replay order; an earlier one means the caller must replay.
        """
        check_entry(entry)
        if entry.account != self.account:
            raise fail(entry, "account", f"belongs to {entry.account!r}, not {self.account!r}")
        key = sort_key(entry)
        if self._last is not None and key <= self._last:
            raise fail(entry, "executed_at", "is before an entry already applied; replay")
        handler = _HANDLERS[entry.type]
        handler(self, entry)
        self._move_cash(entry)
        self._last = key

    def snapshot(self) -> AccountLots:
        """The current state as immutable records."""
        lots: list[Lot] = []
        for symbol in sorted(self._positions):
            pos = self._positions[symbol]
            live = pos.live()
            if self.method is CostMethod.AVERAGE:
                amounts = [_part(pos.amounts, o.quantity, pos.quantity) for o in live[:-1]]
                if live:
                    amounts.append(_minus(pos.amounts, _sum(amounts)))
            else:
                amounts = [o.amounts for o in live]
            for o, (cost, base, fee, fee_base) in zip(live, amounts, strict=True):
                lots.append(
                    Lot(
                        o.id, self.account, symbol, pos.currency, o.opened_at, o.quantity,
                        cost, base, fee, fee_base,
                    )
                )  # fmt: skip
        return AccountLots(
            self.account,
            self.method,
            tuple(lots),
            tuple(self._closed),
            tuple(self._events),
            dict(sorted(self._cash.items())),
            self.capitalize,
        )

    # -- handlers -------------------------------------------------------------------------

    def _buy(self, e: LedgerEntry) -> None:
        pos = self._position(e)
        cost = e.gross + e.fee if self.capitalize else e.gross
        amounts = (cost, cost * e.fx_rate, e.fee, e.fee * e.fx_rate)
        pos.lots.append(_Open(e.id, e.executed_at, e.quantity, amounts))
        pos.quantity += e.quantity
        pos.amounts = _plus(pos.amounts, amounts)
        if e.fee:
            self._event(e, CAPITALIZED_FEE if self.capitalize else FEE, e.fee)

    def _sell(self, e: LedgerEntry) -> None:
        pos = self._positions.get(e.symbol or "")
        held = pos.quantity if pos else ZERO
        if pos is None or e.quantity > held:
            raise fail(e, "quantity", f"sells {e.quantity} but the open lots hold {held}")
        if e.currency != pos.currency:
            raise fail(e, "currency", f"is {e.currency} but the lots are in {pos.currency}")
        average = self.method is CostMethod.AVERAGE
        pool = pos.amounts if e.quantity == pos.quantity else _part(pos.amounts, e.quantity, held)
        plan = self._plan(pos, e)
        fee_left, pool_left = e.fee, pool
        for i, (lot, take) in enumerate(plan):
            last = i == len(plan) - 1
            if average:
                part = pool_left if last else _part(pool, take, e.quantity)
            elif take == lot.quantity:
                part = lot.amounts
            else:
                part = _part(lot.amounts, take, lot.quantity)
            fee = fee_left if last else e.fee * take / e.quantity
            proceeds = take * e.price
            self._closed.append(
                ClosedLot(
                    lot.id, e.id, self.account, e.symbol or "", pos.currency, lot.opened_at,
                    e.executed_at, take, part[0], part[1], proceeds, proceeds * e.fx_rate,
                    fee, fee * e.fx_rate, part[2], part[3], self.capitalize,
                )
            )  # fmt: skip
            lot.quantity -= take
            lot.amounts = _minus(lot.amounts, part)
            fee_left -= fee
            pool_left = _minus(pool_left, part)
            if not average:
                pos.amounts = _minus(pos.amounts, part)
        if average:
            pos.amounts = _minus(pos.amounts, pool)
        pos.quantity -= e.quantity
        if pos.quantity == 0:
            pos.amounts = NONE
        if e.fee:
            self._event(e, FEE, e.fee)

    def _plan(self, pos: _Position, e: LedgerEntry) -> list[tuple[_Open, Decimal]]:
        """Which lots a sale closes and how much of each, by the account's method."""
        live = pos.live()
        if self.method is CostMethod.SPECIFIC and e.lots:
            return _named(live, e)
        if self.method is CostMethod.LIFO:
            live.reverse()
        elif self.method is CostMethod.HIFO:
            fee_outside = not self.capitalize
            live.sort(key=lambda o: -(o.amounts[0] + o.amounts[2] * fee_outside) / o.quantity)
        plan, left = [], e.quantity
        for lot in live:
            take = min(lot.quantity, left)
            plan.append((lot, take))
            left -= take
            if left == 0:
                break
        return plan

    def _split(self, e: LedgerEntry) -> None:
        pos = self._known(e)
        live = pos.live()
        if live:
            total = e.split_quantity(pos.quantity)
            parts = [e.split_quantity(lot.quantity) for lot in live[:-1]]
            parts.append(max(total - sum(parts, ZERO), ZERO))
            for lot, quantity in zip(live, parts, strict=True):
                lot.quantity = quantity
        pos.quantity = sum((lot.quantity for lot in live), ZERO)
        if e.fee:
            self._event(e, FEE, e.fee)

    def _income(self, e: LedgerEntry) -> None:
        if e.type is T.DIVIDEND:
            self._known(e)
        self._event(e, INCOME, e.gross)
        if e.fee:
            self._event(e, FEE, e.fee)

    def _fee(self, e: LedgerEntry) -> None:
        if e.fee:
            self._event(e, FEE, e.fee)

    def _flow(self, e: LedgerEntry) -> None:
        self._event(e, DEPOSIT if e.type is T.DEPOSIT else WITHDRAWAL, e.gross)
        if e.fee:
            self._event(e, FEE, e.fee)

    # -- helpers --------------------------------------------------------------------------

    def _position(self, e: LedgerEntry) -> _Position:
        symbol = e.symbol or ""
        pos = self._positions.get(symbol)
        if pos is None:
            pos = self._positions[symbol] = _Position(e.currency)
        elif pos.currency != e.currency:
            raise fail(e, "currency", f"is {e.currency} but {symbol} trades in {pos.currency}")
        return pos

    def _known(self, e: LedgerEntry) -> _Position:
        pos = self._positions.get(e.symbol or "")
        if pos is None:
            raise fail(e, "symbol", f"{e.symbol} was never held in this account")
        return pos

    def _event(self, e: LedgerEntry, kind: str, amount: Decimal) -> None:
        self._events.append(
            CashEvent(
                e.id, self.account, e.executed_at, kind, e.symbol, e.currency, amount, e.fx_rate,
                e.type,
            )
        )  # fmt: skip

    def _move_cash(self, e: LedgerEntry) -> None:
        balance = self._cash.get(e.currency, ZERO) + e.cash_effect
        if balance < 0:
            self._event(e, IMPLICIT_DEPOSIT, -balance)
            balance = ZERO
        self._cash[e.currency] = balance


_HANDLERS = {
    T.BUY: LotBook._buy,
    T.SELL: LotBook._sell,
    T.SPLIT: LotBook._split,
    T.DIVIDEND: LotBook._income,
    T.INTEREST: LotBook._income,
    T.FEE: LotBook._fee,
    T.DEPOSIT: LotBook._flow,
    T.WITHDRAWAL: LotBook._flow,
}


def _sum(parts: list[Amounts]) -> Amounts:
    total = NONE
    for part in parts:
        total = _plus(total, part)
    return total


def _named(live: list[_Open], e: LedgerEntry) -> list[tuple[_Open, Decimal]]:
    """The lots a SPECIFIC sale names; ``lots`` at fault when one is not open here or the
    named quantities do not make the sale's."""
    by_id = {str(o.id): o for o in live}
    wanted: dict[str, Decimal] = {}
    for lot_id, quantity in e.lots:
        key = str(lot_id)
        if key not in by_id:
            raise fail(e, "lots", f"lot {lot_id} is not an open lot of this holding")
        if quantity <= 0:
            raise fail(e, "lots", f"lot {lot_id}: quantity must be positive")
        wanted[key] = wanted.get(key, ZERO) + quantity
        if wanted[key] > by_id[key].quantity:
            held = by_id[key].quantity.normalize()
            raise fail(e, "lots", f"lot {lot_id} holds {held:f}, not {wanted[key].normalize():f}")
    named = sum(wanted.values(), ZERO)
    if named != e.quantity:
        sale = e.quantity.normalize()
        raise fail(e, "lots", f"name {named.normalize():f} units but the sale is of {sale:f}")
    return [(by_id[key], quantity) for key, quantity in wanted.items()]


def replay(
    entries: Iterable[LedgerEntry],
    method: CostMethod = CostMethod.FIFO,
    account: str | None = None,
    capitalize: bool = True,
) -> AccountLots:
    """Replay one account's entries from scratch; raise :class:`ValidationFailed` on bad input.

    ``account`` defaults to the first entry's account.
    """
    items = ordered(entries)
    name = items[0].account if account is None and items else account or ""
    book = LotBook(name, method, capitalize)
    for entry in items:
        book.apply(entry)
    return book.snapshot()


def replay_accounts(
    entries: Iterable[LedgerEntry],
    methods: Mapping[str, CostMethod] | None = None,
    capitalize: bool = True,
) -> dict[str, AccountLots]:
    """Replay every account of a ledger, each by its method (FIFO when not given)."""
    by_account: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        by_account.setdefault(entry.account, []).append(entry)
    methods = methods or {}
    return {
        account: replay(items, methods.get(account, CostMethod.FIFO), account, capitalize)
        for account, items in sorted(by_account.items())
    }
