"""Request and response models of transactions; every amount is an exact Decimal.

A request gives ``currency`` only to be checked: it defaults to the asset's currency (or the
account's for cash movements without an asset), and a different one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.schemas import CurrencyCode, Id, RequestBody
from pulsefolio.portfolio.transactions.decimals import DecimalIn, DecimalOut


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    """What ``GET /api/v1/transactions`` asks for: filters (each None or empty: any), the sort
    key (a column, ``-`` first for descending) and the page."""

    account_ids: list[int] | None
    asset_ids: list[int] | None
    types: list[TransactionType] | None
    start: datetime | None
    end: datetime | None
    sort: str
    offset: int
    limit: int


class LotPick(RequestBody):
    """One lot a SELL closes (accounts with ``cost_method`` specific): the purchase's
    transaction id and how much of it."""

    model_config = ConfigDict(extra="forbid")

    lot_id: Id
    quantity: DecimalIn = Field(gt=0)


class LotPicked(BaseModel):
    lot_id: int
    quantity: DecimalOut


class TransactionCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    type: TransactionType
    executed_at: AwareDatetime
    asset_id: Id | None = None
    quantity: DecimalIn | None = None
    price: DecimalIn | None = None
    amount: DecimalIn | None = None
    fee: DecimalIn = Decimal(0)
    currency: CurrencyCode | None = None
    split_numerator: DecimalIn | None = None
    split_denominator: DecimalIn | None = None
    note: str | None = Field(None, max_length=2000)
    lots: list[LotPick] | None = Field(None, min_length=1, max_length=1000)


class TransactionUpdate(RequestBody):
    """A correction: only the fields sent change; ``null`` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    # may be left out but not set to null (the service says so): documented without null
    type: TransactionType | SkipJsonSchema[None] = None
    executed_at: AwareDatetime | SkipJsonSchema[None] = None
    asset_id: Id | None = None
    quantity: DecimalIn | None = None
    price: DecimalIn | None = None
    amount: DecimalIn | None = None
    fee: DecimalIn | SkipJsonSchema[None] = None
    currency: CurrencyCode | None = None
    split_numerator: DecimalIn | None = None
    split_denominator: DecimalIn | None = None
    note: str | None = Field(None, max_length=2000)
    lots: list[LotPick] | None = Field(None, min_length=1, max_length=1000)


def stored_lots(
    picks: list[LotPick] | list[dict[str, object]] | None,
) -> list[dict[str, str | int]] | None:
    """The ``lots`` column's JSON for the picks of a request."""
    if not picks:
        return None
    parsed = [p if isinstance(p, LotPick) else LotPick.model_validate(p) for p in picks]
    return [{"lot_id": p.lot_id, "quantity": str(p.quantity)} for p in parsed]


class Transaction(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    asset_id: int | None
    type: TransactionType
    quantity: DecimalOut | None
    price: DecimalOut | None
    amount: DecimalOut | None
    fee: DecimalOut
    currency: str
    split_numerator: DecimalOut | None
    split_denominator: DecimalOut | None
    executed_at: datetime
    note: str | None
    lots: list[LotPicked] | None = None
    created_at: datetime
    updated_at: datetime


class TransactionPage(BaseModel):
    items: list[Transaction]
    next_cursor: str | None = Field(description="Pass as ``cursor`` for the next page.")


class TransactionListing(BaseModel):
    """One page of the caller's transactions across accounts, with the count of all matches."""

    items: list[Transaction]
    total: int
    offset: int
    limit: int
