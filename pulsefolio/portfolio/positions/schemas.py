"""Response models of positions and cash balances (amounts in the asset's currency, except
``cost_basis_base``: the open lots' cost in the owner's base currency at trade-date rates,
null when a purchase has no rate).

``cost_basis`` holds the open lots' purchase fees when ``purchase_fees_in_cost_basis`` is set
(the default). ``fees`` lists every fee paid on the holding, whether in the cost basis or not.
``realized_gain_gross`` is the sales' proceeds less the cost of the lots they closed;
``realized_gain_net`` is after every fee of those lots (sale fees, and purchase fees when they
are not in the cost basis); see docs/money.md.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from pulsefolio.core.domain import AssetClass
from pulsefolio.portfolio.transactions.decimals import DecimalOut


class Fees(BaseModel):
    """Every fee paid, by what paid it; ``other``: FEE transactions and split fees."""

    purchase: str
    sale: str
    withholding: str
    other: str
    total: str


class Position(BaseModel):
    asset_id: int
    symbol: str
    name: str
    asset_class: AssetClass
    currency: str
    quantity: DecimalOut
    cost_basis: DecimalOut
    cost_basis_base: DecimalOut | None
    average_cost: DecimalOut
    realized_gain_gross: DecimalOut
    realized_gain_net: DecimalOut
    dividends: DecimalOut
    fees: Fees
    updated_at: datetime


class Cash(BaseModel):
    currency: str
    balance: DecimalOut


class AccountPositions(BaseModel):
    account_id: int
    positions: list[Position]
    cash: list[Cash]
