"""One pass over ordered entries into flat arrays that :mod:`.history` works on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np

from pulsefolio.core.domain import TransactionType

from .ledger import LedgerEntry

T = TransactionType
_TRADES = (T.BUY, T.SELL)
_HOLDING_FLOWS = (T.BUY, T.SELL, T.DIVIDEND, T.SPLIT)


@dataclass(frozen=True)
class _Index:
    holdings: tuple[tuple[str, str], ...]
    holding_currency: tuple[str, ...]
    cash_columns: tuple[tuple[str, str], ...]
    accounts: tuple[str, ...]
    currencies: tuple[str, ...]
    day: np.ndarray  # per entry: day row
    hcol: np.ndarray  # per entry: holding column (0 when none; see masks)
    ccol: np.ndarray  # cash column
    acol: np.ndarray  # account column
    currency_code: np.ndarray  # index into currencies
    trade: np.ndarray  # mask: BUY or SELL
    hflow: np.ndarray  # mask: moves money into or out of a holding
    qty_orig: np.ndarray  # signed units traded, in pre-split units
    price_orig: np.ndarray  # trade price per pre-split unit
    holding_flow: np.ndarray  # money into the holding, entry currency
    cash_effect: np.ndarray
    external: np.ndarray  # DEPOSIT +gross, WITHDRAWAL -gross
    implicit: np.ndarray  # implicit deposit booked by the entry
    fx: np.ndarray
    split_day: np.ndarray
    split_col: np.ndarray
    split_factor: np.ndarray


_CODE = {t: i for i, t in enumerate(T)}
_KIND = {T.BUY: 1, T.SELL: 1, T.SPLIT: 2, T.DIVIDEND: 3}  # 0: moves cash only
_NO_GROSS = (T.FEE, T.SPLIT)
_PAYS = (T.BUY, T.WITHDRAWAL)


def _index(items: Sequence[LedgerEntry], first: date, base_currency: str) -> _Index:
    """Columns of ``items`` (in replay order). Python touches each entry only to intern its
    keys and read its numbers; the flows, signs and split factors are array operations."""
    n = len(items)
    types = [e.type for e in items]
    code = np.fromiter((_CODE[t] for t in types), np.int64, n)
    kind = np.fromiter((_KIND.get(t, 0) for t in types), np.int64, n)

    holdings: dict[tuple[str, str], int] = {}
    cash_cols: dict[tuple[str, str], int] = {}
    accounts: dict[str, int] = {}
    currencies = sorted({e.currency for e in items} | {base_currency})
    cur_code = {c: i for i, c in enumerate(currencies)}
    origin = first.toordinal()
    hcol = np.fromiter(
        (
            holdings.setdefault((e.account, e.symbol), len(holdings)) if k and e.symbol else 0
            for e, k in zip(items, kind.tolist(), strict=True)
        ),
        np.int64,
        n,
    )
    ccol = np.fromiter(
        (cash_cols.setdefault((e.account, e.currency), len(cash_cols)) for e in items), np.int64, n
    )
    acol = np.fromiter((accounts.setdefault(e.account, len(accounts)) for e in items), np.int64, n)
    day = np.fromiter((e.executed_at.toordinal() - origin for e in items), np.int64, n)
    currency_code = np.fromiter((cur_code[e.currency] for e in items), np.int64, n)

    zero = Decimal(0)
    pairs = zip(items, types, strict=True)
    exact = [zero if t in _NO_GROSS else e.quantity * e.price for e, t in pairs]
    cash = np.fromiter(
        (
            float(-(x + e.fee)) if t in _PAYS else float(x - e.fee)
            for e, t, x in zip(items, types, exact, strict=True)
        ),
        np.float64,
        n,
    )
    gross = np.fromiter((float(x) for x in exact), np.float64, n)
    fee = np.fromiter((float(e.fee) for e in items), np.float64, n)
    quantity = np.fromiter((float(e.quantity) for e in items), np.float64, n)
    price = np.fromiter((float(e.price) for e in items), np.float64, n)
    fx = np.fromiter((float(e.fx_rate) for e in items), np.float64, n)

    def of(t: TransactionType) -> np.ndarray:
        mask: np.ndarray = code == _CODE[t]
        return mask

    buy, sell, dividend, split = of(T.BUY), of(T.SELL), of(T.DIVIDEND), of(T.SPLIT)
    flow = np.zeros(n)
    flow[buy] = gross[buy] + fee[buy]
    flow[sell] = -(gross[sell] - fee[sell])
    flow[dividend] = -(gross[dividend] - fee[dividend])
    flow[split] = fee[split]
    quantity[sell] = -quantity[sell]
    external = np.where(of(T.DEPOSIT), gross, np.where(of(T.WITHDRAWAL), -gross, 0.0))

    split_at = np.flatnonzero(split)
    split_factor = np.array([float(items[i].split_factor) for i in split_at.tolist()])
    hflow = kind > 0
    held = np.flatnonzero(hflow)
    before = _split_factors_before(hcol, held, split_at, split_factor)
    first_of = held[np.unique(hcol[held], return_index=True)[1]]
    holding_currency = [items[i].currency for i in first_of.tolist()]
    return _Index(
        holdings=tuple(holdings),
        holding_currency=tuple(holding_currency),
        cash_columns=tuple(cash_cols),
        accounts=tuple(accounts),
        currencies=tuple(currencies),
        day=day,
        hcol=hcol,
        ccol=ccol,
        acol=acol,
        currency_code=currency_code,
        trade=kind == 1,
        hflow=hflow,
        qty_orig=quantity / before,
        price_orig=price * before,
        holding_flow=flow,
        cash_effect=cash,
        external=external,
        implicit=_implicit_deposits(ccol, cash, len(cash_cols)),
        fx=fx,
        split_day=day[split_at],
        split_col=hcol[split_at],
        split_factor=split_factor,
    )


def _split_factors_before(
    hcol: np.ndarray, held: np.ndarray, split_at: np.ndarray, factor: np.ndarray
) -> np.ndarray:
    """Per entry, the product of the splits of its holding recorded before it (1.0 for
    entries of no holding): what turns units and prices into pre-split terms. ``held`` are the
    indexes of the entries that belong to a holding."""
    before = np.ones(len(hcol))
    if not len(split_at):
        return before
    by_holding = held[np.argsort(hcol[held], kind="stable")]
    columns = hcol[by_holding]
    for at, f in zip(split_at.tolist(), factor.tolist(), strict=True):
        lo, hi = np.searchsorted(columns, [hcol[at], hcol[at] + 1])
        mine = by_holding[lo:hi]
        later = mine[mine > at]
        before[later] *= f
    return before


def _implicit_deposits(column: np.ndarray, effect: np.ndarray, n_columns: int) -> np.ndarray:
    """Per entry, the shortfall booked so that no cash column goes below zero.

    With running balance ``b`` (no implicit deposits), the deposits needed so far are
    ``max(0, -min(b[:k+1]))``; each entry books the increase of that.
    """
    out = np.zeros_like(effect)
    for c in range(n_columns):
        at = np.flatnonzero(column == c)
        balance = np.cumsum(effect[at])
        needed = np.maximum(0.0, -np.minimum.accumulate(balance))
        out[at] = np.diff(needed, prepend=0.0)
    return out
