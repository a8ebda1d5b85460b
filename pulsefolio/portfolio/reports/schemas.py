"""Response models of the tax-lot report: amounts in the base currency, decimal strings."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


class TaxLot(BaseModel):
    account_id: int
    account_name: str
    asset_id: int
    symbol: str
    lot_id: int
    sale_id: int
    acquired: date
    disposed: date
    quantity: str
    holding_period_days: int
    term: Term
    proceeds: str
    cost: str
    fees: str
    gain_gross: str
    gain_net: str


class TaxLotTotals(BaseModel):
    lots: int
    proceeds: str
    cost: str
    fees: str
    gain_gross: str
    gain_net: str


class TaxLots(BaseModel):
    year: int
    base_currency: str
    long_term_holding_days: int
    lots: list[TaxLot]
    totals: TaxLotTotals
