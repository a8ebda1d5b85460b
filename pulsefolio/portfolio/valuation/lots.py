"""Replay an account's ledger into open lots, closed lots, income, fees and cash.

Conventions
-----------
* **Order.** Entries apply in ``(executed_at, id)`` order (:func:`~.ledger.ordered`);
  :class:`LotBook` applied entry by entry equals :func:`replay` over the whole ledger.
* **Cost basis includes the purchase fee.** A BUY opens a lot whose cost is
  ``quantity * price + fee`` (asset currency) and ``cost * fx_rate`` (base currency, the
  trade-date rate). The purchase fee is therefore *capitalized*, not counted in ``fees``.
* **Realized gain** of a closed lot is ``proceeds - cost`` with ``proceeds = quantity *
  sale price``; the sale fee is shown beside it (``fee``), split over the lots a sale closes
  in proportion to quantity, and counted in ``fees``.
* **FIFO** closes the oldest lots first. **AVERAGE** prices every unit of a symbol at the
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


@dataclass(frozen=True, slots=True)
class Lot:
    """An open lot: what is left of one purchase."""

    id: int | str
    account: str
    symbol: str
    currency: str
    opened_at: datetime
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal

    @property
    def unit_cost(self) -> Decimal:
        return self.cost / self.quantity

    def holding_days(self, as_of: date) -> int:
        return (as_of - self.opened_at.date()).days


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """The part of one lot that one sale closed."""

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

    @property
    def gain(self) -> Decimal:
        """Realized gain in the asset currency, before the sale fee."""
        return self.proceeds - self.cost

    @property
    def gain_base(self) -> Decimal:
        return self.proceeds_base - self.cost_base

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

    @property
    def amount_base(self) -> Decimal:
        return self.amount * self.fx_rate


@dataclass(frozen=True)
class AccountLots:
    """The replayed state of one account."""

    account: str
    method: CostMethod
    open_lots: tuple[Lot, ...]
    closed_lots: tuple[ClosedLot, ...]
    events: tuple[CashEvent, ...]
    cash: Mapping[str, Decimal]

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

    def realized(self, currency: str | None = None, base: bool = False) -> Decimal:
        return (
            sum(
                (c.gain_base if base else c.gain)
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


@dataclass(slots=True)
class _Open:
    id: int | str
    opened_at: datetime
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal


@dataclass(slots=True)
class _Position:
    currency: str
    lots: list[_Open] = field(default_factory=list)
    head: int = 0  # lots before head are fully closed
    quantity: Decimal = ZERO
    cost: Decimal = ZERO
    cost_base: Decimal = ZERO

    def live(self) -> list[_Open]:
        return self.lots[self.head :]


class LotBook:
    """One account's lots, updated entry by entry in replay order."""

    def __init__(self, account: str = "", method: CostMethod = CostMethod.FIFO) -> None:
        self.account = account
        self.method = method
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
                costs = _share(pos.cost, pos.quantity, [o.quantity for o in live])
                bases = _share(pos.cost_base, pos.quantity, [o.quantity for o in live])
            else:
                costs, bases = [o.cost for o in live], [o.cost_base for o in live]
            for o, cost, base in zip(live, costs, bases, strict=True):
                lots.append(
                    Lot(
                        o.id,
                        self.account,
                        symbol,
                        pos.currency,
                        o.opened_at,
                        o.quantity,
                        cost,
                        base,
                    )
                )
        return AccountLots(
            self.account,
            self.method,
            tuple(lots),
            tuple(self._closed),
            tuple(self._events),
            dict(sorted(self._cash.items())),
        )

    # -- handlers -------------------------------------------------------------------------

    def _buy(self, e: LedgerEntry) -> None:
        pos = self._position(e)
        cost = e.gross + e.fee
        pos.lots.append(_Open(e.id, e.executed_at, e.quantity, cost, cost * e.fx_rate))
        pos.quantity += e.quantity
        pos.cost += cost
        pos.cost_base += cost * e.fx_rate
        if e.fee:
            self._event(e, CAPITALIZED_FEE, e.fee)

    def _sell(self, e: LedgerEntry) -> None:
        pos = self._positions.get(e.symbol or "")
        held = pos.quantity if pos else ZERO
        if pos is None or e.quantity > held:
            raise fail(e, "quantity", f"sells {e.quantity} but the open lots hold {held}")
        if e.currency != pos.currency:
            raise fail(e, "currency", f"is {e.currency} but the lots are in {pos.currency}")
        average = self.method is CostMethod.AVERAGE
        whole = e.quantity == pos.quantity
        pool_cost = pos.cost if whole else pos.cost * e.quantity / pos.quantity
        pool_base = pos.cost_base if whole else pos.cost_base * e.quantity / pos.quantity
        left, fee_left = e.quantity, e.fee
        cost_left, base_left = pool_cost, pool_base
        while left > 0:
            lot = pos.lots[pos.head]
            take = min(lot.quantity, left)
            last = take == left
            if average:
                cost = cost_left if last else pool_cost * take / e.quantity
                base = base_left if last else pool_base * take / e.quantity
            elif take == lot.quantity:
                cost, base = lot.cost, lot.cost_base
            else:
                cost, base = lot.cost * take / lot.quantity, lot.cost_base * take / lot.quantity
            fee = fee_left if last else e.fee * take / e.quantity
            proceeds = take * e.price
            self._closed.append(
                ClosedLot(
                    lot.id, e.id, self.account, e.symbol or "", pos.currency, lot.opened_at,
                    e.executed_at, take, cost, base, proceeds, proceeds * e.fx_rate,
                    fee, fee * e.fx_rate,
                )
            )  # fmt: skip
            lot.quantity -= take
            lot.cost -= cost
            lot.cost_base -= base
            if lot.quantity == 0:
                pos.head += 1
            left -= take
            fee_left -= fee
            cost_left -= cost
            base_left -= base
            if not average:
                pos.cost -= cost
                pos.cost_base -= base
        if average:
            pos.cost -= pool_cost
            pos.cost_base -= pool_base
        pos.quantity -= e.quantity
        if pos.quantity == 0:
            pos.cost = pos.cost_base = ZERO
        if e.fee:
            self._event(e, FEE, e.fee)

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
                e.id, self.account, e.executed_at, kind, e.symbol, e.currency, amount, e.fx_rate
            )
        )

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


def _share(total: Decimal, whole: Decimal, parts: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``parts``; the last part takes the remainder."""
    shares = [total * p / whole for p in parts[:-1]]
    if parts:
        shares.append(total - sum(shares, ZERO))
    return shares


def replay(
    entries: Iterable[LedgerEntry], method: CostMethod = CostMethod.FIFO, account: str | None = None
) -> AccountLots:
    """Replay one account's entries from scratch; raise :class:`ValidationFailed` on bad input.

    ``account`` defaults to the first entry's account.
    """
    items = ordered(entries)
    book = LotBook(items[0].account if account is None and items else account or "", method)
    for entry in items:
        book.apply(entry)
    return book.snapshot()


def replay_accounts(
    entries: Iterable[LedgerEntry], methods: Mapping[str, CostMethod] | None = None
) -> dict[str, AccountLots]:
    """Replay every account of a ledger, each by its method (FIFO when not given)."""
    by_account: dict[str, list[LedgerEntry]] = {}
    for entry in entries:
        by_account.setdefault(entry.account, []).append(entry)
    methods = methods or {}
    return {
        account: replay(items, methods.get(account, CostMethod.FIFO), account)
        for account, items in sorted(by_account.items())
    }
