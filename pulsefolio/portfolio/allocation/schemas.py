"""Request and response models of the allocation routes.

Amounts are decimal strings in the base currency rounded to its minor unit, quantities plain
decimals in the asset's (or the cash's) currency, percentages percent with 4 decimals.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pulsefolio.core.schemas import RequestBody
from pulsefolio.portfolio.transactions.decimals import DecimalIn, DecimalOut


class Dimension(StrEnum):
    ASSET_CLASS = "asset_class"
    CURRENCY = "currency"
    HOLDING = "holding"


class TargetIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=32, description="Asset class, currency code, asset id or cash.")
    weight_percent: DecimalIn


class TargetsPut(RequestBody):
    """Replaces one dimension's targets; an empty list clears them."""

    model_config = ConfigDict(extra="forbid")

    dimension: Dimension
    targets: list[TargetIn] = Field(max_length=500)
    tolerance_percent: DecimalIn | None = None  # unchanged when absent


class Target(BaseModel):
    key: str
    weight_percent: DecimalOut


class Targets(BaseModel):
    tolerance_percent: DecimalOut
    targets: dict[Dimension, list[Target]]


class Row(BaseModel):
    key: str
    label: str
    value: str
    weight_percent: str
    target_percent: str | None  # null: no targets in this dimension
    drift_percent: str | None  # weight - target, percentage points
    drift_amount: str | None  # value - target share of today's total
    outside_tolerance: bool
    change: str  # what the trades move this key by (the residual key: what cash does)
    value_after: str
    weight_after_percent: str


class Trade(BaseModel):
    key: str
    kind: str  # holding, cash (a conversion from or to the base currency), unassigned
    action: str  # buy or sell
    account_id: int | None
    asset_id: int | None
    symbol: str | None
    currency: str | None
    price: str | None  # the asset's currency
    quantity: str | None
    amount: str  # base currency


class Allocation(BaseModel):
    dimension: Dimension
    base_currency: str
    account_id: int | None
    total_value: str  # the /portfolio total of the same scope
    cash: str  # new money to invest
    total_after: str
    mode: str  # rebalance (buy and sell) or buy_only (cash given: new money, no sales)
    residual_key: str  # where the trades settle: cash, or the base currency
    tolerance_percent: str
    targets_set: bool
    rows: list[Row]
    trades: list[Trade]
