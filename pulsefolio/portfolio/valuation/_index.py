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


def _index(items: Sequence[LedgerEntry], first: date, base_currency: str) -> _Index:
    n = len(items)
    holdings: dict[tuple[str, str], int] = {}
    holding_currency: list[str] = []
    cash_cols: dict[tuple[str, str], int] = {}
    accounts: dict[str, int] = {}
    currencies = sorted({e.currency for e in items} | {base_currency})
    cur_code = {c: i for i, c in enumerate(currencies)}
    int_rows: list[tuple[int, int, int, int, int, int]] = []  # day, hcol, ccol, acol, cur, kind
    num_rows: list[tuple[float, ...]] = []  # qty, price, flow, cash, external, fx, split
    factors: dict[int, float] = {}
    zero = Decimal(0)
    for e in items:
        h = 0
        t = e.type
        if e.symbol and t in _HOLDING_FLOWS:
            key = (e.account, e.symbol)
            h = holdings.get(key, -1)
            if h < 0:
                h = holdings[key] = len(holdings)
                holding_currency.append(e.currency)
        c = cash_cols.setdefault((e.account, e.currency), len(cash_cols))
        a = accounts.setdefault(e.account, len(accounts))
        exact = zero if t is T.FEE or t is T.SPLIT else e.quantity * e.price
        if t is T.BUY or t is T.WITHDRAWAL:
            cash = -(exact + e.fee)
        elif t is T.FEE or t is T.SPLIT:
            cash = -e.fee
        else:
            cash = exact - e.fee
        gross, fee = float(exact), float(e.fee)
        before = factors.get(h, 1.0)
        qty = float(e.quantity)
        flow = 0.0
        split = 1.0
        if t is T.BUY:
            flow = gross + fee
        elif t is T.SELL:
            qty, flow = -qty, -(gross - fee)
        elif t is T.DIVIDEND:
            flow = -(gross - fee)
        elif t is T.SPLIT:
            flow = fee
            split = float(e.split_factor)
            factors[h] = before * split
        kind = 1 if t in _TRADES else 2 if t is T.SPLIT else 3 if t in _HOLDING_FLOWS else 0
        external = gross if t is T.DEPOSIT else -gross if t is T.WITHDRAWAL else 0.0
        int_rows.append(((e.executed_at.date() - first).days, h, c, a, cur_code[e.currency], kind))
        num_rows.append(
            (qty / before, float(e.price) * before, flow, float(cash), external,
             float(e.fx_rate), split)
        )  # fmt: skip
    cols = np.array(int_rows, dtype=np.int64).reshape(n, 6).T
    nums = np.array(num_rows, dtype=np.float64).reshape(n, 7).T
    kind = cols[5]
    splits = kind == 2
    return _Index(
        holdings=tuple(holdings),
        holding_currency=tuple(holding_currency),
        cash_columns=tuple(cash_cols),
        accounts=tuple(accounts),
        currencies=tuple(currencies),
        day=cols[0],
        hcol=cols[1],
        ccol=cols[2],
        acol=cols[3],
        currency_code=cols[4],
        trade=kind == 1,
        hflow=kind > 0,
        qty_orig=nums[0],
        price_orig=nums[1],
        holding_flow=nums[2],
        cash_effect=nums[3],
        external=nums[4],
        implicit=_implicit_deposits(cols[2], nums[3], len(cash_cols)),
        fx=nums[5],
        split_day=cols[0][splits],
        split_col=cols[1][splits],
        split_factor=nums[6][splits],
    )


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
