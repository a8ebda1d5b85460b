"""Request and response models of imports; amounts are exact decimals written as strings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field

from pulsefolio.core.schemas import Id, RequestBody
from pulsefolio.portfolio.transactions.decimals import DecimalOut

IdempotencyKey = Annotated[
    str | None, Header(min_length=1, max_length=200, alias="Idempotency-Key")
]


class ImportRequest(RequestBody):
    model_config = ConfigDict(extra="forbid")
    # a NUL in the file is reported on its row and column, with every other bad cell
    nul_allowed: ClassVar[frozenset[str]] = frozenset({"content"})

    format: Literal["csv", "ghostfolio"]
    content: str = Field(description="The file's text.")
    account_id: Id | None = Field(
        None, description="Account of the rows that name none; must be the caller's."
    )


class RowIssue(BaseModel):
    row: int = Field(description="1-based data row (CSV header excluded); 0: the whole file.")
    field: str
    reason: str


class PreviewRow(BaseModel):
    row: int
    account_id: Id | None = Field(description="None for an account the import would create.")
    account: str
    date: str
    executed_at: datetime
    type: str
    symbol: str | None
    asset_id: int | None
    quantity: DecimalOut | None
    price: DecimalOut | None
    fee: DecimalOut
    amount: DecimalOut | None
    currency: str
    split_ratio: str | None
    note: str | None


class Preview(BaseModel):
    ok: bool
    rows: list[PreviewRow]
    errors: list[RowIssue]


class ImportResult(BaseModel):
    imported: int
    transaction_ids: list[int]


class ImportRejection(BaseModel):
    error: str = "ValidationFailed"
    detail: str
    errors: list[RowIssue]
