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


class IncomeAmounts(BaseModel):
    """Income before withholding (``gross``), the tax withheld, and what was paid out
    (``net = gross - withholding``); each the sum of the rounded payments."""

    payments: int
    gross: str
    withholding: str
    net: str


class IncomeMonth(IncomeAmounts):
    month: str  # "2026-03"


class IncomeYear(IncomeAmounts):
    year: int


class IncomeHolding(IncomeAmounts):
    asset_id: int
    symbol: str
    name: str
    currency: str
    trailing_12m_gross: str
    trailing_12m_net: str
    cost_basis: str
    yield_on_cost: str | None  # trailing-12-month gross over cost_basis; null without open lots


class Income(BaseModel):
    base_currency: str
    start: date | None
    end: date
    account_ids: list[int]
    totals: IncomeAmounts
    interest: IncomeAmounts
    months: list[IncomeMonth]
    years: list[IncomeYear]
    holdings: list[IncomeHolding]
