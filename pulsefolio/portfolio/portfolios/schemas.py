"""Response models of the valuation endpoints (documentation of the JSON the routes send).

Every amount is a string holding an exact decimal, rounded half-even to its currency's minor
unit; percentages are percent with 4 decimals. A holding without a price has ``null`` figures.

``total_value`` includes cash: it is ``holdings_value`` (the holdings at today's prices) plus
``cash_value`` (every cash balance of the scope at today's FX), the same total the value history
ends on. Weights are shares of that total; the allocation shows cash as asset class ``cash``,
in its own currency and in its account.
"""

from __future__ import annotations

from pydantic import BaseModel


class Change(BaseModel):
    amount: str
    percent: str | None


class Holding(BaseModel):
    account_id: int
    asset_id: int
    symbol: str
    name: str
    asset_class: str
    currency: str
    quantity: str
    price: str | None
    previous_close: str | None
    price_as_of: str | None
    price_source: str | None
    price_origin: str | None  # "cache" or "database"
    stale: bool | None
    value: str | None  # asset currency
    value_base: str | None
    weight_percent: str | None
    day_change: str | None  # base currency
    day_change_percent: str | None
    cost_basis: str  # asset currency, average cost
    cost_basis_base: str | None  # at the trade-date rate if recorded, else today's
    unrealized_gain: str | None  # base currency
    unrealized_gain_percent: str | None


class CashBalance(BaseModel):
    account_id: int
    currency: str
    amount: str  # its own currency
    amount_base: str | None  # base currency at today's rate; null without an FX path
    weight_percent: str | None


class Slice(BaseModel):
    key: str
    value: str
    weight_percent: str | None
    name: str | None = None  # account slices only


class Allocation(BaseModel):
    asset_class: list[Slice]
    currency: list[Slice]
    account: list[Slice]


class Conversion(BaseModel):
    from_: str
    to: str
    rate: str
    via: str  # identity, direct, inverse, cross:USD, cross:EUR

    model_config = {"populate_by_name": True, "alias_generator": lambda n: n.rstrip("_")}


class Portfolio(BaseModel):
    base_currency: str
    account_id: int | None
    total_value: str  # holdings_value + cash_value
    holdings_value: str
    cash_value: str
    day_change: Change
    cost_basis: str
    unrealized_gain: Change
    as_of: str | None
    holdings: list[Holding]
    cash: list[CashBalance]
    prices_from: str  # "database" while the price cache is down or any holding's price came from it
    allocation: Allocation
    fx: list[Conversion]
