"""Daily value history of every holding, cash balance, account and portfolio, with NumPy.

The work runs over dates x holdings arrays: one Python pass over the entries (to index
them), then cumulative sums, forward fills and element-wise products. History is analytics:
it runs in float64 (relative error near 1e-15); exact, settled figures come from
:mod:`.lots` and :mod:`.valuation`. Entries are expected to have passed :func:`.lots.replay`.

Conventions
-----------
* Days are the entries' local calendar dates; the history runs from the first entry's
  date (or ``start`` if earlier) to ``end``; each row is the state at the end of the day.
* Stored prices and FX rates are as-traded closes. A day without one carries the last
  known value forward (``carried``), including one stored before the history's first day
  (a purchase on a Saturday is valued at Friday's close). Before a symbol's first stored
  price, the holding's own trade prices stand in (``standin``), adjusted for later splits;
  before a currency's first stored rate, the entries' own ``fx_rate`` stands in.
* A holding's flow (``flow``, ``flow_base``) is money put into it: BUY ``gross + fee``,
  SELL ``-(gross - fee)``, DIVIDEND ``-(gross - fee)`` (income leaves the holding for
  cash), SPLIT fee ``+fee``. Base amounts use each entry's trade-date ``fx_rate``.
  ``outflow_base`` holds the entries of negative flow (money taken out, as a positive amount)
  apart, for the holding's time-weighted return.
* An account's value is its holdings plus its cash (tracked per currency, as in
  :mod:`.lots`, implicit deposits included). Its external inflow (``inflow_base``) is
  ``DEPOSIT - WITHDRAWAL + implicit deposits`` at trade-date rates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from pulsefolio.core.domain import TransactionType

from ._index import _Index, _index
from .ledger import LedgerEntry, ordered

T = TransactionType
_DUST = 1e-9


@dataclass(frozen=True)
class Series:
    """A daily series (prices of a symbol, or base-per-unit rates of a currency)."""

    dates: np.ndarray  # datetime64[D], ascending
    values: np.ndarray  # float64

    @classmethod
    def of(cls, points: Iterable[tuple[date, object]]) -> Series:
        items = sorted(points, key=lambda p: p[0])
        return cls(
            np.array([d for d, _ in items], dtype="datetime64[D]"),
            np.array([float(v) for _, v in items], dtype=np.float64),  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class History:
    """Arrays indexed ``[day, column]``; see the module docstring for the conventions."""

    dates: np.ndarray
    base_currency: str
    holdings: tuple[tuple[str, str], ...]  # (account, symbol)
    holding_currency: tuple[str, ...]
    quantity: np.ndarray
    price: np.ndarray
    carried: np.ndarray
    standin: np.ndarray
    value: np.ndarray
    value_base: np.ndarray
    flow: np.ndarray
    flow_base: np.ndarray
    cash_columns: tuple[tuple[str, str], ...]  # (account, currency)
    cash: np.ndarray
    cash_base: np.ndarray
    accounts: tuple[str, ...]
    inflow_base: np.ndarray  # [day, account]
    outflow_base: np.ndarray  # [day, holding]: money taken out of it (>= 0), inside flow_base

    def account_value_base(self) -> np.ndarray:
        """``[day, account]``: holdings plus cash in the base currency."""
        out = np.zeros((len(self.dates), len(self.accounts)))
        index = {a: i for i, a in enumerate(self.accounts)}
        for j, (account, _) in enumerate(self.holdings):
            out[:, index[account]] += self.value_base[:, j]
        for j, (account, _) in enumerate(self.cash_columns):
            out[:, index[account]] += self.cash_base[:, j]
        return out

    def portfolio(self) -> tuple[np.ndarray, np.ndarray]:
        """The whole ledger's daily value and external inflow, base currency."""
        return self.value_base.sum(axis=1) + self.cash_base.sum(axis=1), self.inflow_base.sum(1)

    def account(self, account: str) -> tuple[np.ndarray, np.ndarray]:
        i = self.accounts.index(account)
        return self.account_value_base()[:, i], self.inflow_base[:, i]

    def holding(self, account: str, symbol: str) -> tuple[np.ndarray, np.ndarray]:
        j = self.holdings.index((account, symbol))
        return self.value_base[:, j], self.flow_base[:, j]


def build_history(
    entries: Sequence[LedgerEntry],
    prices: Mapping[str, Series],
    fx: Mapping[str, Series],
    base_currency: str,
    end: date,
    start: date | None = None,
) -> History:
    """Daily history from the first entry (or ``start``) to ``end`` inclusive."""
    items = ordered(entries)
    first = min([e.executed_at.date() for e in items[:1]] + ([start] if start else []) + [end])
    n_days = (end - first).days + 1
    if n_days <= 0:
        raise ValueError("end is before the first entry")
    ix = _index(items, first, base_currency)
    day = ix.day
    dates = np.arange(np.datetime64(first, "D"), np.datetime64(end + timedelta(days=1), "D"))
    n_h, n_c = len(ix.holdings), len(ix.cash_columns)

    # Quantities: cumulative units in original (pre-split) units times the split factor.
    factor = np.ones((n_days, n_h))
    np.multiply.at(factor, (ix.split_day, ix.split_col), ix.split_factor)
    factor = np.multiply.accumulate(factor, axis=0)
    units = np.zeros((n_days, n_h))
    np.add.at(units, (day[ix.trade], ix.hcol[ix.trade]), ix.qty_orig[ix.trade])
    quantity = np.cumsum(units, axis=0) * factor
    quantity[np.abs(quantity) < _DUST] = 0.0

    # Prices: stored closes forward-filled; trade prices stand in before the first one.
    sym_cols = [ix.holdings[j][1] for j in range(n_h)]
    stored = np.full((n_days, n_h), np.nan)
    earlier = np.full(n_h, np.nan)
    first_stored = np.full(n_h, n_days)
    for j, symbol in enumerate(sym_cols):
        series = prices.get(symbol)
        if series is not None and len(series.dates):
            rows = (series.dates - dates[0]).astype(np.int64)
            ok = (rows >= 0) & (rows < n_days)
            stored[rows[ok], j] = series.values[ok]
            earlier[j] = _last_before(rows, series.values)
            first_stored[j] = max(0, int(rows[0])) if rows[0] < n_days else n_days
    trade_rows = day[ix.trade]
    trade_cols = ix.hcol[ix.trade]
    early = trade_rows < first_stored[trade_cols]
    standin_obs = np.full((n_days, n_h), np.nan)
    standin_obs[trade_rows[early], trade_cols[early]] = ix.price_orig[ix.trade][early]
    before = np.arange(n_days)[:, None] < first_stored[None, :]
    price = np.where(before, _ffill(standin_obs) / factor, _ffill(_seed(stored, earlier)))
    carried = np.where(before, np.isnan(standin_obs), np.isnan(stored)) & ~np.isnan(price)

    # FX per currency, then gathered to holding and cash columns.
    rate = _fx_matrix(fx, ix, dates, base_currency)
    cur_index = {c: i for i, c in enumerate(ix.currencies)}
    h_rate = rate[:, [cur_index[c] for c in ix.holding_currency]]
    c_rate = rate[:, [cur_index[c] for _, c in ix.cash_columns]]

    value = np.where(quantity != 0, quantity * np.nan_to_num(price), 0.0)
    flow = np.zeros((n_days, n_h))
    np.add.at(flow, (day[ix.hflow], ix.hcol[ix.hflow]), ix.holding_flow[ix.hflow])
    flow_base = np.zeros((n_days, n_h))
    entry_flow_base = ix.holding_flow * ix.fx
    np.add.at(flow_base, (day[ix.hflow], ix.hcol[ix.hflow]), entry_flow_base[ix.hflow])
    outflow_base = np.zeros((n_days, n_h))
    taken = -np.minimum(entry_flow_base, 0.0)
    np.add.at(outflow_base, (day[ix.hflow], ix.hcol[ix.hflow]), taken[ix.hflow])

    cash_moves = np.zeros((n_days, n_c))
    np.add.at(cash_moves, (day, ix.ccol), ix.cash_effect + ix.implicit)
    cash = np.cumsum(cash_moves, axis=0)
    cash[np.abs(cash) < _DUST] = 0.0
    inflow = np.zeros((n_days, len(ix.accounts)))
    np.add.at(inflow, (day, ix.acol), (ix.external + ix.implicit) * ix.fx)
    return History(
        dates, base_currency, ix.holdings, ix.holding_currency, quantity, price, carried,
        before & ~np.isnan(price), value, value * h_rate, flow, flow_base, ix.cash_columns,
        cash, cash * c_rate, ix.accounts, inflow, outflow_base,
    )  # fmt: skip


def _last_before(rows: np.ndarray, values: np.ndarray) -> float:
    """The last of ``values`` dated before row 0 (``rows`` ascending), NaN if none."""
    at = int(np.searchsorted(rows, 0)) - 1
    return float(values[at]) if at >= 0 else np.nan


def _seed(obs: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """``obs`` with row 0 taking ``earlier`` (per column) where row 0 has no value of its own,
    so that a forward fill carries values stored before the first day into it."""
    seeded = obs.copy()
    seeded[0] = np.where(np.isnan(obs[0]), earlier, obs[0])
    return seeded


def _ffill(obs: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value of each column forward; NaN before the first."""
    n = obs.shape[0]
    idx = np.where(np.isnan(obs), 0, np.arange(n)[:, None])
    np.maximum.accumulate(idx, axis=0, out=idx)
    filled = np.take_along_axis(obs, idx, axis=0)
    return filled


def _fx_matrix(
    fx: Mapping[str, Series],
    ix: _Index,
    dates: np.ndarray,
    base_currency: str,
) -> np.ndarray:
    n_days = len(dates)
    out = np.ones((n_days, len(ix.currencies)))
    for k, currency in enumerate(ix.currencies):
        if currency == base_currency:
            continue
        obs = np.full(n_days, np.nan)
        series = fx.get(currency)
        first, earlier = n_days, np.nan
        if series is not None and len(series.dates):
            rows = (series.dates - dates[0]).astype(np.int64)
            ok = (rows >= 0) & (rows < n_days)
            obs[rows[ok]] = series.values[ok]
            earlier = _last_before(rows, series.values)
            first = max(0, int(rows[0]))
        mine = (ix.currency_code == k) & (ix.day < first)
        obs[ix.day[mine]] = ix.fx[mine]
        filled = _ffill(_seed(obs[:, None], np.array([earlier])))[:, 0]
        # before any rate at all, the first known one stands in
        out[:, k] = np.where(np.isnan(filled), _first_valid(filled), filled)
    return out


def _first_valid(values: np.ndarray) -> float:
    valid = values[~np.isnan(values)]
    return float(valid[0]) if len(valid) else 1.0
