"""Response models of positions and cash balances (amounts in the asset's currency, except
``cost_basis_base``: the open lots' cost in the owner's base currency at trade-date rates,
null when a purchase has no rate)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from pulsefolio.core.domain import AssetClass
from pulsefolio.portfolio.transactions.decimals import DecimalOut


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
    realized_gain: DecimalOut
    dividends: DecimalOut
    fees: DecimalOut
    updated_at: datetime


class Cash(BaseModel):
    currency: str
    balance: DecimalOut


class AccountPositions(BaseModel):
    account_id: int
    positions: list[Position]
    cash: list[Cash]
