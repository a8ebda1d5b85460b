"""Pick one scope's columns out of a :class:`~pulsefolio.portfolio.valuation.History`.

A *view* is the portfolio (every column), one account (its columns) or one holding (one
column). Everything here is array code over the history's days; nothing loops per day.

Currency effect over a range ``(s, e]`` is attributed day by day: each day the value held the
evening before, in its own currency, times that day's change of its rate to the base
currency, summed over holdings and cash: ``sum_t sum_c V_c[t-1] * (X_c[t] - X_c[t-1])``.
The price effect is the rest of the gain, so the two always add up to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pulsefolio.portfolio.valuation import History, Series


@dataclass(frozen=True)
class View:
    values: np.ndarray  # base currency, per day
    inflows: np.ndarray  # external inflow (account, portfolio) or money put in (holding)
    outflows: np.ndarray  # one holding: money taken out that day (inside inflows); else 0
    carried: np.ndarray  # bool per day: a held price was carried forward
    value_asset: np.ndarray | None  # one holding only: value in its own currency
    currency: str  # of value_asset (the base currency when there is none)
    currency_effect: np.ndarray  # per day, base currency


def view(
    history: History,
    fx: dict[str, Series],
    account: str | None = None,
    symbol: str | None = None,
) -> View | None:
    """The series of the portfolio, an account or one holding; None if it has no column."""
    n = len(history.dates)
    if symbol is not None:
        key = (account or "", symbol)
        if key not in history.holdings:
            return None
        hcols = [history.holdings.index(key)]
        ccols: list[int] = []
    else:
        hcols = [j for j, (a, _) in enumerate(history.holdings) if account in (None, a)]
        ccols = [j for j, (a, _) in enumerate(history.cash_columns) if account in (None, a)]
        if account is not None and account not in history.accounts:
            return None
    held = history.quantity[:, hcols] != 0
    carried = (history.carried[:, hcols] & held).any(axis=1)
    values = history.value_base[:, hcols].sum(axis=1) + history.cash_base[:, ccols].sum(axis=1)
    outflows = np.zeros(n)
    if symbol is not None:
        inflows = history.flow_base[:, hcols[0]]
        outflows = history.outflow_base[:, hcols[0]]
        value_asset: np.ndarray | None = history.value[:, hcols[0]]
        currency = history.holding_currency[hcols[0]]
    else:
        inflows = (
            history.inflow_base.sum(axis=1)
            if account is None
            else history.inflow_base[:, history.accounts.index(account)]
        )
        value_asset, currency = None, history.base_currency
    local = np.concatenate([history.value[:, hcols], history.cash[:, ccols]], axis=1)
    currencies = [history.holding_currency[j] for j in hcols] + [
        history.cash_columns[j][1] for j in ccols
    ]
    rates = np.stack(
        [daily_rate(fx, c, history.base_currency, history.dates) for c in currencies], axis=1
    ) if currencies else np.ones((n, 0))  # fmt: skip
    effect = np.zeros(n)
    if n > 1:
        effect[1:] = (local[:-1] * np.diff(rates, axis=0)).sum(axis=1)
    return View(values, inflows, outflows, carried, value_asset, currency, effect)


def daily_rate(fx: dict[str, Series], currency: str, base: str, dates: np.ndarray) -> np.ndarray:
    """Base units per ``currency`` on each day: the last stored rate, the first before any."""
    series = fx.get(currency)
    if currency == base or series is None or not len(series.dates):
        return np.ones(len(dates))
    idx = np.searchsorted(series.dates, dates, side="right") - 1
    return np.asarray(series.values[np.maximum(idx, 0)], dtype=np.float64)


def sample_rows(dates: np.ndarray, first: int, last: int, interval: str) -> np.ndarray:
    """Rows from ``first`` to ``last`` kept for ``interval``: every day, each week's Sunday,
    each month's last day; ``last`` always."""
    rows = np.arange(first, last + 1)
    if interval == "day" or not len(rows):
        return rows
    days = dates[rows]
    keep: npt.NDArray[np.bool_]
    if interval == "week":
        keep = (days.astype("datetime64[D]").astype(np.int64) + 3) % 7 == 6  # 1970-01-01: Thu
    else:
        month = days.astype("datetime64[M]")
        keep = np.append(month[1:] != month[:-1], True)
    keep[-1] = True
    return rows[keep]
