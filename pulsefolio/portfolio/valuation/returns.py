"""Returns over a date range: time-weighted, money-weighted (XIRR) and the gain breakdown.

Conventions
-----------
* A range ``(start, end]`` starts from the value at the close of ``start`` and covers the
  days after it up to ``end`` (:func:`resolve_range`).
* **Time-weighted return** chain-links daily returns with external flows at the *start* of
  the day: ``r_t = V_t / (V_{t-1} + F_t) - 1``, ``TWR = prod(1 + r_t) - 1``. A day that
  starts with nothing invested (``V_{t-1} + F_t <= 0``) counts as ``r_t = 0``. Scaling every
  flow and holding by the same constant leaves it unchanged. Given ``outflows`` ``O_t >= 0``
  (the part of ``F_t`` taken out, ``F_t = I_t - O_t``), money put in counts at the start of
  the day and money taken out at its end: ``r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1``. One
  holding is measured so (a sale's proceeds were earned that day); a portfolio or account
  passes none, and its deposits and withdrawals all count at the start of the day.
* **Money-weighted return** is the XIRR of the investor's flows: ``-V_start`` at ``start``,
  ``-F_t`` on each day, ``+V_end`` at ``end``; days count Actual/365 as in spreadsheets.
  It is ``None`` when no rate solves it (for instance when every flow has the same sign).
* **Gain** over a range is ``V_end - V_start - sum(F)``. Realized gains (sales closed in the
  range), income and fees (expensed, in the range) come from the lots at trade-date rates;
  ``unrealized`` is the rest: the change of unrealized gains plus currency effects on cash.
  Over a single-currency ledger's whole life that rest equals value minus open cost.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from scipy.optimize import brentq

from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import ZERO, present

from .lots import CAPITALIZED_FEE, FEE, FEE_CATEGORIES, INCOME, AccountLots

# An annual rate with 1 + r under 1e-9 is a total loss at float precision: no answer.
_TOTAL_LOSS = -1.0 + 1e-9
# Above 10^6 % a year no rate is answered (docs/money.md); Newton steps stay inside the bounds.
MAX_RATE = 1e4
RANGES = ("1D", "1W", "WTD", "MTD", "1M", "3M", "6M", "YTD", "1Y", "3Y", "5Y", "MAX", "CUSTOM")


@dataclass(frozen=True, slots=True)
class DateRange:
    name: str
    start: date  # its close is the starting value
    end: date


def resolve_range(
    name: str, today: date, first_date: date, start: date | None = None, end: date | None = None
) -> DateRange:
    """The ``(start, end]`` of a named range; ``CUSTOM`` takes ``start`` and ``end``.

    1D starts yesterday, 1W a week ago, WTD on the Sunday before this week's Monday, MTD and
    YTD on the last day of the previous month and year, nM and nY on the same date n months or
    years ago (a day the month lacks falls back to its last: 31 May less 3M is 28 February),
    MAX the day before ``first_date``. No range starts before that day.
    Raises :class:`ValidationFailed` (field ``range``) for an unknown name or bad dates.
    """
    key = name.upper()
    if key == "CUSTOM":
        if start is None or end is None or start >= end:
            raise ValidationFailed("a custom range needs start < end", {"range": "bad dates"})
        return DateRange(key, max(start, first_date - timedelta(days=1)), end)
    years = {"1Y": 1, "3Y": 3, "5Y": 5}
    months = {"1M": 1, "3M": 3, "6M": 6}
    if key == "1D":
        begin = today - timedelta(days=1)
    elif key == "1W":
        begin = today - timedelta(days=7)
    elif key in months:
        begin = _months_before(today, months[key])
    elif key == "WTD":
        begin = today - timedelta(days=today.weekday() + 1)
    elif key == "MTD":
        begin = today.replace(day=1) - timedelta(days=1)
    elif key == "YTD":
        begin = date(today.year, 1, 1) - timedelta(days=1)
    elif key in years:
        y = today.year - years[key]
        begin = today.replace(year=y, day=min(today.day, 28 if today.month == 2 else 31))
        if today.month == 2 and today.day == 29 and _leap(y):
            begin = today.replace(year=y)
    elif key == "MAX":
        begin = first_date - timedelta(days=1)
    else:
        raise ValidationFailed(f"unknown range {name!r}", {"range": f"one of {RANGES}"})
    return DateRange(key, max(begin, first_date - timedelta(days=1)), today)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _window(dates: np.ndarray, rng: DateRange) -> tuple[int, int]:
    """Row indices of ``rng.start`` (may be -1: before the history) and ``rng.end``."""
    first = dates[0].item()
    last = len(dates) - 1
    s = min((rng.start - first).days, last)
    e = min((rng.end - first).days, last)
    return max(s, -1), max(e, -1)


def _at(values: np.ndarray, i: int) -> float:
    return float(values[i]) if i >= 0 else 0.0


def time_weighted_return(
    values: np.ndarray,
    inflows: np.ndarray,
    s: int,
    e: int,
    outflows: np.ndarray | None = None,
) -> float:
    """TWR from row ``s`` (value before; -1 for nothing) to row ``e``; see the conventions."""
    if e <= s:
        return 0.0
    if s < 0:
        prev, lo = np.concatenate(([0.0], values[:e])), 0
    else:
        prev, lo = values[s:e], s + 1
    out = np.zeros(e + 1 - lo) if outflows is None else outflows[lo : e + 1]
    return float(np.prod(_growth(prev, values[lo : e + 1], inflows[lo : e + 1], out)) - 1.0)


def twr_index(
    values: np.ndarray, inflows: np.ndarray, outflows: np.ndarray | None = None
) -> np.ndarray:
    """Cumulative TWR at every row from the first (a chart series; 0 at the start)."""
    prev = np.concatenate(([0.0], values[:-1]))
    out = np.zeros(len(values)) if outflows is None else outflows
    return np.cumprod(_growth(prev, values, inflows, out)) - 1.0


def twr_path(
    values: np.ndarray,
    inflows: np.ndarray,
    s: int,
    e: int,
    outflows: np.ndarray | None = None,
) -> np.ndarray:
    """Cumulative TWR from row ``s`` at each row ``max(s, 0)`` to ``e``: 0 at ``s`` itself, and
    from the first row on when ``s`` is -1 (nothing before the history)."""
    if e < max(s, 0):
        return np.zeros(0)
    lo = max(s + 1, 0)
    prev = values[lo - 1 : e] if lo else np.concatenate(([0.0], values[:e]))
    out = np.zeros(e + 1 - lo) if outflows is None else outflows[lo : e + 1]
    path = np.cumprod(_growth(prev, values[lo : e + 1], inflows[lo : e + 1], out)) - 1.0
    return np.concatenate(([0.0], path)) if s >= 0 else path


def _growth(prev: np.ndarray, cur: np.ndarray, flow: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Daily ``1 + r_t = (V_t + O_t) / (V_{t-1} + F_t + O_t)``; 1 when nothing was invested."""
    base = prev + flow + out
    scale = max(float(np.abs(cur).max(initial=0.0)), 1.0)
    return np.where(base > 1e-12 * scale, (cur + out) / np.where(base > 0, base, 1.0), 1.0)


def xirr(dates: Sequence[date], amounts: Sequence[float], guess: float = 0.1) -> float | None:
    """The annual rate that makes the flows' net present value zero, or ``None``.

    Actual/365 days, as spreadsheets count. Newton's method first; if it fails, a scan for a
    sign change of the NPV bracketed by Brent's method. ``None`` when the flows are all of
    one sign, or no rate in (-100%, 10^6%) solves them, or the only one is a loss so steep
    that ``1 + r`` is below 1e-9 (a total loss, as spreadsheets and pyxirr answer too).
    """
    if len(dates) != len(amounts) or not amounts:
        raise ValidationFailed("xirr needs as many dates as amounts", {"amounts": "mismatch"})
    a = np.asarray(amounts, dtype=np.float64)
    if not (a > 0).any() or not (a < 0).any():
        return None
    with np.errstate(all="ignore"):  # overflow far from the root is expected and handled
        return _solve(dates, a, guess)


def _solve(dates: Sequence[date], a: np.ndarray, guess: float) -> float | None:
    d0 = min(dates)
    t = np.array([(d - d0).days for d in dates], dtype=np.float64) / 365.0

    def npv(r: float) -> float:
        return float(np.sum(a * np.exp(-t * math.log1p(r))))

    r = guess
    for _ in range(50):
        if r <= -1.0:
            break
        disc = np.exp(-t * math.log1p(r))
        f = float(np.sum(a * disc))
        df = float(np.sum(-t * a * disc / (1.0 + r)))
        if df == 0.0 or not math.isfinite(f):
            break
        step = f / df
        r = _bounded_step(r, step)
        if abs(step) < 1e-12 * max(1.0, abs(r)):
            if _TOTAL_LOSS < r < MAX_RATE and abs(npv(r)) <= 1e-9 * float(np.abs(a).sum()):
                return r
            break

    # Scan in s = ln(1 + r), where rates near -100% are as easy to reach as any other.
    def npv_log(s: float) -> float:
        return float(np.sum(a * np.exp(-t * s)))

    grid = np.linspace(-60.0, math.log1p(MAX_RATE), 400)
    values = [npv_log(float(g)) for g in grid]
    for lo, hi, flo, fhi in zip(grid[:-1], grid[1:], values[:-1], values[1:], strict=True):
        if math.isfinite(flo) and math.isfinite(fhi) and flo * fhi <= 0:
            rate = math.expm1(float(brentq(npv_log, lo, hi, xtol=1e-15, rtol=1e-14)))
            return rate if _TOTAL_LOSS < rate < MAX_RATE else None
    return None


def _bounded_step(r: float, step: float) -> float:
    """``r - step``, kept inside (-100 %, 2 * MAX_RATE): a step past either bound goes halfway.

    An uncapped step from a steep NPV can land far beyond any answerable rate (a 6-day gain
    of 30 % once answered 8.5e6) or below -100 %, where the NPV is undefined.
    """
    new = r - step
    if new <= -1.0:
        return (r - 1.0) / 2.0
    if new > 2 * MAX_RATE:
        return (r + 2 * MAX_RATE) / 2.0
    return new


def money_weighted_return(
    dates: np.ndarray, values: np.ndarray, inflows: np.ndarray, rng: DateRange
) -> float | None:
    """XIRR of ``-V_start``, the daily ``-F_t`` and ``+V_end`` over ``rng``."""
    s, e = _window(dates, rng)
    if e <= s:
        return None
    days = [rng.start]
    flows = [-_at(values, s)]
    rows = np.arange(max(s, -1) + 1, e + 1)
    moving = rows[inflows[rows] != 0]
    days += [dates[i].item() for i in moving]
    flows += [-float(inflows[i]) for i in moving]
    days.append(dates[e].item())
    flows.append(float(values[e]))
    return xirr(days, flows)


@dataclass(frozen=True, slots=True)
class Gains:
    """Base-currency gain over a range and its parts; see the module conventions.

    The series figures are float64; realized, income and fees are Decimal sums of the lots'
    amounts (each rounded first when :func:`gains` is given the currency), so that a caller
    derives ``unrealized`` from the rounded parts (as the performance route does).
    """

    start_value: float
    end_value: float
    net_inflow: float
    absolute: float
    realized: Decimal
    income: Decimal
    fees: Decimal  # expensed: every fee not in the cost basis
    realized_net: Decimal = ZERO  # realized after every fee of the closed lots
    paid: Mapping[str, Decimal] = field(default_factory=dict)  # every fee paid, by category

    @property
    def unrealized(self) -> float:
        """The rest of the gain, unrounded (float): ``absolute - realized - income + fees``."""
        return self.absolute - float(self.realized + self.income - self.fees)


@dataclass(frozen=True, slots=True)
class Performance:
    range: DateRange
    time_weighted: float
    money_weighted: float | None
    gains: Gains


def gains(
    dates: np.ndarray,
    values: np.ndarray,
    inflows: np.ndarray,
    books: Iterable[AccountLots],
    rng: DateRange,
    symbol: str | None = None,
    currency: str | None = None,
) -> Gains:
    """The gain over ``rng`` split into realized, unrealized, income and fees.

    ``books`` are the replayed accounts the series cover; ``symbol`` narrows the lots and
    events to one holding (pass the holding's own value and flow series with it). Given the
    base ``currency``, each sold lot's proceeds, cost and fees, each payment and each fee are
    rounded to its minor unit before they are summed, as the reports round their rows: the
    sums are then the reports' totals to the cent.
    """
    s, e = _window(dates, rng)
    v0, v1 = _at(values, s), _at(values, e)
    flow = float(inflows[max(s + 1, 0) : e + 1].sum()) if e > s else 0.0

    def inside(when: date) -> bool:
        return rng.start < when <= rng.end

    def unit(amount: Decimal) -> Decimal:
        return amount if currency is None else present(amount, currency)

    realized = realized_net = income = fees = ZERO
    paid = dict.fromkeys(FEE_CATEGORIES, ZERO)
    for book in books:
        for c in book.closed_lots:
            if (symbol is None or c.symbol == symbol) and inside(c.closed_at.date()):
                gross = unit(c.proceeds_base) - unit(c.cost_base)
                realized += gross
                realized_net += gross - unit(c.fees_base)
        for ev in book.events:
            if (symbol is None or ev.symbol == symbol) and inside(ev.executed_at.date()):
                amount = unit(ev.amount_base)
                if ev.kind == INCOME:
                    income += amount
                elif ev.kind in (FEE, CAPITALIZED_FEE):
                    paid[ev.category] += amount
                    if ev.kind == FEE:
                        fees += amount
    return Gains(v0, v1, flow, v1 - v0 - flow, realized, income, fees, realized_net, paid)


def performance(
    dates: np.ndarray,
    values: np.ndarray,
    inflows: np.ndarray,
    books: Iterable[AccountLots],
    rng: DateRange,
    symbol: str | None = None,
    outflows: np.ndarray | None = None,
    currency: str | None = None,
) -> Performance:
    """TWR, XIRR and the gain breakdown of one series over one range.

    ``outflows`` (one holding's money taken out, within ``inflows``) count at the end of
    their day in the TWR; see the conventions. ``currency`` as :func:`gains` takes it.
    """
    s, e = _window(dates, rng)
    return Performance(
        rng,
        time_weighted_return(values, inflows, s, e, outflows),
        money_weighted_return(dates, values, inflows, rng),
        gains(dates, values, inflows, books, rng, symbol, currency),
    )
