"""Response models of the performance routes: amounts and returns are decimal strings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from pulsefolio.portfolio.positions.schemas import Fees


class Interval(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class RangeParams:
    """A named range, or ``custom`` with ``start`` and ``end``."""

    name: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """The whole portfolio (no account), one account, or one holding of an account."""

    account_id: int | None
    asset_id: int | None
    range: RangeParams
    capitalize: bool = True  # purchase fees in the cost basis


@dataclass(frozen=True, slots=True)
class BenchmarkQuery:
    asset_id: int
    range: RangeParams
    interval: Interval
    capitalize: bool = True


class Point(BaseModel):
    date: date
    value: str
    net_inflow: str
    carried_forward: bool
    value_asset: str | None = None


class History(BaseModel):
    base_currency: str
    range: str
    interval: Interval
    start: date
    end: date
    points: list[Point]


class Gain(BaseModel):
    """``gain_net = realized_gain_gross + unrealized + income - expensed_fees`` and
    ``gain_gross = gain_net + fees.total`` (the gain before every fee paid in the range)."""

    realized_gain_gross: str
    realized_gain_net: str
    unrealized: str
    income: str
    fees: Fees
    expensed_fees: str  # the fees not in the cost basis
    gain_gross: str
    gain_net: str
    price_effect: str
    currency_effect: str


class Performance(BaseModel):
    range: str
    start: date
    end: date
    base_currency: str
    twr: str | None
    xirr: str | None
    xirr_note: str | None
    gain: Gain
    total_return: str | None


class OpenLot(BaseModel):
    lot_id: int
    asset_id: int
    symbol: str
    currency: str
    opened: date
    holding_period_days: int
    quantity: str
    cost_per_unit: str
    cost: str
    cost_base: str
    price: str
    value: str
    unrealized_gain: str
    unrealized_gain_base: str


class Lots(BaseModel):
    account_id: int
    base_currency: str
    as_of: date
    lots: list[OpenLot]


class Sale(BaseModel):
    sale_id: int
    lot_id: int
    date: date
    opened: dt.date
    asset_id: int
    symbol: str
    currency: str
    quantity: str
    proceeds: str
    cost: str
    fees: str
    gain_gross: str
    gain_net: str
    holding_period_days: int
    proceeds_base: str
    cost_base: str
    fees_base: str
    gain_gross_base: str
    gain_net_base: str


class RealizedTotals(BaseModel):
    sales: int
    proceeds_base: str
    cost_base: str
    fees_base: str
    gain_gross_base: str
    gain_net_base: str


class Realized(BaseModel):
    account_id: int
    year: int
    base_currency: str
    sales: list[Sale]
    totals: RealizedTotals


class Drawdown(BaseModel):
    """The deepest fall below a running peak: ``depth`` a fraction <= 0; no dates when none."""

    depth: str
    peak: date | None
    trough: date | None
    recovery: date | None


class BenchmarkAsset(BaseModel):
    asset_id: int
    symbol: str
    name: str
    currency: str


class BenchmarkPoint(BaseModel):
    """Cumulative returns since the range's start and drawdowns, as fractions; ``benchmark``
    and its drawdown are null before the asset's first price."""

    date: date
    portfolio: str
    benchmark: str | None
    portfolio_drawdown: str
    benchmark_drawdown: str | None


class MaxDrawdowns(BaseModel):
    portfolio: Drawdown | None
    benchmark: Drawdown | None


class Benchmark(BaseModel):
    range: str
    interval: Interval
    start: date
    end: date
    base_currency: str
    asset: BenchmarkAsset
    benchmark_start: date | None  # the close the benchmark's return is measured from
    twr: str | None
    benchmark_return: str | None  # in the base currency
    benchmark_return_local: str | None  # in the asset's currency
    excess_return: str | None
    max_drawdown: MaxDrawdowns
    points: list[BenchmarkPoint]
