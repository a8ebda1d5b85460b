"""Fees and gains tie together across every figure, for each lot method and both settings.

Over random ledgers of one account (buys and sales with fees, dividends with withholding, in
two currencies at varying rates), for FIFO, LIFO, HIFO, average cost and sales naming their
lots, with purchase fees in the cost basis and apart from it:

* each closed lot's ``gain_gross - gain_net`` is its sale fee (plus its purchase fee when the
  fee is not in the cost basis), and the sale fees over the lots are the sales' fees;
* cost basis (open and closed) plus the purchase fees kept apart is what the buys cost;
* ``gain_net`` per lot, the fee breakdown and the performance gains' net figures are the same
  under both settings; the ledger's stored position (the positions route) shows what the lots
  show once presented under either setting; the identity of the lots holds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulsefolio.core.domain import CostMethod
from pulsefolio.portfolio.ledger.rules import Entry, fold_position
from pulsefolio.portfolio.positions.service import present
from pulsefolio.portfolio.valuation.ledger import LedgerEntry
from pulsefolio.portfolio.valuation.lots import (
    DEPOSIT,
    FEE,
    IMPLICIT_DEPOSIT,
    INCOME,
    PURCHASE,
    SALE,
    WITHDRAWAL,
    WITHHOLDING,
    AccountLots,
    LotBook,
    replay,
)
from pulsefolio.portfolio.valuation.returns import DateRange, gains

from .factory import T, entry

PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ZERO = Decimal(0)
CENT = Decimal("0.01")
amounts = st.integers(1, 30000).map(lambda c: Decimal(c) / 100)
fees = st.sampled_from([ZERO, Decimal("0.99"), Decimal("2.5"), Decimal("7")])


@st.composite
def ledgers(draw: st.DrawFn, method: CostMethod) -> list[LedgerEntry]:
    """A valid ledger of one asset; a SPECIFIC sale names some of the lots open before it."""
    book = LotBook(method=method)
    out: list[LedgerEntry] = []
    held, day = ZERO, 0
    for k in range(1, draw(st.integers(2, 16)) + 1):
        day += draw(st.integers(0, 40))
        fx = Decimal(draw(st.integers(80, 125))) / 100
        kind = draw(st.sampled_from(["buy", "buy", "sell", "sell", "div"]))
        if kind == "buy" or held == 0:
            q = Decimal(draw(st.integers(1, 40)))
            made = entry(k, T.BUY, day, "AAA", q, draw(amounts), draw(fees), "EUR", fx=fx)
            held += q
        elif kind == "sell":
            q = min(held, Decimal(draw(st.integers(1, 40))))
            named: tuple[tuple[int | str, Decimal], ...] = ()
            if method is CostMethod.SPECIFIC and draw(st.booleans()):
                named = _pick(draw, book.snapshot(), q)
            plain = entry(k, T.SELL, day, "AAA", q, draw(amounts), draw(fees), "EUR", fx=fx)
            made = LedgerEntry(**{**_fields(plain), "lots": named})
            held -= q
        else:
            made = entry(k, T.DIVIDEND, day, "AAA", 1, draw(amounts), draw(fees), "EUR", fx=fx)
        book.apply(made)
        out.append(made)
    return out


def _fields(e: LedgerEntry) -> dict[str, object]:
    return {name: getattr(e, name) for name in LedgerEntry.__dataclass_fields__}


def _pick(draw: st.DrawFn, state: AccountLots, quantity: Decimal) -> tuple:
    """Some open lots, in a drawn order, taking whole units until ``quantity`` is named."""
    lots = draw(st.permutations(list(state.open_lots)))
    named, left = [], quantity
    for lot in lots:
        take = min(lot.quantity, left)
        if take > 0:
            named.append((lot.id, take))
            left -= take
    return tuple(named)


def _rows(entries: list[LedgerEntry]) -> list[Entry]:
    out = []
    for e in entries:
        amount = e.price if e.type is T.DIVIDEND else None
        quantity, price = (None, None) if e.type is T.DIVIDEND else (e.quantity, e.price)
        out.append(Entry(int(e.id), e.type, e.executed_at, quantity, price, amount, e.fee))
    return out


def _sum(values: object) -> Decimal:
    return sum(values, ZERO)  # type: ignore[call-overload,no-any-return]


def _check(entries: list[LedgerEntry], method: CostMethod) -> None:
    kept, apart = replay(entries, method), replay(entries, method, capitalize=False)
    by_type = {t: [e for e in entries if e.type is t] for t in (T.BUY, T.SELL, T.DIVIDEND)}
    buy_fees, sale_fees = _sum(e.fee for e in by_type[T.BUY]), _sum(e.fee for e in by_type[T.SELL])
    for book, capitalized in ((kept, True), (apart, False)):
        for c in book.closed_lots:
            extra = ZERO if capitalized else c.purchase_fee
            _close(c.gain_gross - c.gain_net, c.fee + extra)
        _close(_sum(c.fee for c in book.closed_lots), sale_fees)
        costs = _sum(c.cost for c in book.closed_lots) + book.open_cost()
        bought = _sum(e.gross for e in by_type[T.BUY])
        _close(costs, bought + buy_fees if capitalized else bought)
        purchase = _sum(c.purchase_fee for c in book.closed_lots)
        _close(purchase + _sum(lot.purchase_fee for lot in book.open_lots), buy_fees)
        paid = book.fees_paid()
        assert (paid[PURCHASE], paid[SALE]) == (buy_fees, sale_fees)
        assert paid[WITHHOLDING] == _sum(e.fee for e in by_type[T.DIVIDEND])
        _identity(book)
    for k, a in zip(kept.closed_lots, apart.closed_lots, strict=True):
        _close(k.gain_net, a.gain_net)
    assert [c.lot_id for c in kept.closed_lots] == [c.lot_id for c in apart.closed_lots]
    _performance_agrees(kept, apart, entries)
    _positions_agree(kept, apart, entries, method)


def _identity(book: AccountLots, price: Decimal = Decimal("55")) -> None:
    value = _sum(lot.quantity for lot in book.open_lots) * price
    unrealized = value - book.open_cost()
    left = book.realized() + unrealized + book.total(INCOME) - book.total(FEE)
    flows = book.total(WITHDRAWAL) - book.total(DEPOSIT) - book.total(IMPLICIT_DEPOSIT)
    _close(left, value + book.cash.get("EUR", ZERO) + flows)


def _performance_agrees(kept: AccountLots, apart: AccountLots, entries: list[LedgerEntry]) -> None:
    days = np.arange(
        np.datetime64(entries[0].executed_at.date(), "D"), np.datetime64(date(2026, 1, 1))
    )
    zeros = np.zeros(len(days))
    rng = DateRange("MAX", days[0].item() - (days[1] - days[0]).item(), days[-1].item())
    a = gains(days, zeros, zeros, [kept], rng)
    b = gains(days, zeros, zeros, [apart], rng)
    _close(a.realized_net, b.realized_net)
    _close(a.realized_net, kept_net(kept))
    assert a.paid == b.paid == kept.fees_paid(base=True)
    _close(a.realized - a.realized_net, _sum(c.fee_base for c in kept.closed_lots))
    # the expensed fees move with the purchase fees, the realized gain the other way
    moved = b.fees - a.fees
    _close(moved, kept.fees_paid(base=True)[PURCHASE])
    _close(
        (b.realized - a.realized) - moved, -_sum(lot.purchase_fee_base for lot in apart.open_lots)
    )


def kept_net(book: AccountLots) -> Decimal:
    return _sum(c.gain_net_base for c in book.closed_lots)


def _positions_agree(
    kept: AccountLots, apart: AccountLots, entries: list[LedgerEntry], method: CostMethod
) -> None:
    named = {int(e.id): e.lots for e in entries if e.lots}
    stored = fold_position(_rows(entries), method, None, named).stored()
    row = {
        name: getattr(stored, name)
        for name in ("quantity", "cost_basis", "cost_basis_base", "realized_gain", "dividends",
                     "fees", "purchase_fees", "sale_fees", "withholding", "open_purchase_fees",
                     "open_purchase_fees_base")
    }  # fmt: skip
    row |= {"average_cost": stored.average_cost, "asset_id": 1, "symbol": "AAA", "name": "A",
            "asset_class": "stock", "currency": "EUR",
            "updated_at": entries[-1].executed_at}  # fmt: skip
    for book, capitalized in ((kept, True), (apart, False)):
        shown = present(row, capitalized)
        _near(shown.cost_basis, book.open_cost())
        _near(shown.realized_gain_gross, book.realized())
        _near(shown.realized_gain_net, _sum(c.gain_net for c in book.closed_lots))
        paid = book.fees_paid()
        assert Decimal(shown.fees.total) == sum(paid.values(), ZERO)
        assert Decimal(shown.fees.sale) == paid[SALE]


def _close(a: Decimal, b: Decimal) -> None:
    """Equal but for the last digits of 28-digit Decimal arithmetic."""
    assert abs(a - b) <= Decimal("1e-15"), (a, b)


def _near(shown: Decimal, exact: Decimal) -> None:
    """The stored row is rounded to 6 places once per figure; two roundings at most apart."""
    assert abs(shown - exact) <= Decimal("0.000002"), (shown, exact)


@PROFILE
@given(st.data())
def test_fees_and_gains_tie_together_for_every_method(data: st.DataObject) -> None:
    for method in CostMethod:
        _check(data.draw(ledgers(method)), method)
