"""Request and response models of accounts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from pulsefolio.core.domain import AccountKind, CostMethod
from pulsefolio.core.schemas import CurrencyCode, RequestBody


class AccountCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    currency: CurrencyCode
    kind: AccountKind = AccountKind.BROKERAGE
    cost_method: CostMethod = CostMethod.FIFO


class AccountUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    kind: AccountKind | None = None
    cost_method: CostMethod | None = None


class Account(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    currency: str
    kind: AccountKind
    cost_method: CostMethod
    closed_at: datetime | None
    created_at: datetime
