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
    skip_booked: bool = Field(
        False,
        description="Leave out the rows already booked: those whose account holds a transaction"
        " of the same type, asset, moment, quantity, price, fee, amount and currency (a file"
        " imported again). Without it they are imported again; the preview marks them either way.",
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
    booked: bool = Field(
        False, description="The account already holds this transaction (see skip_booked)."
    )


class Preview(BaseModel):
    ok: bool
    rows: list[PreviewRow]
    errors: list[RowIssue]


class ImportResult(BaseModel):
    imported: int
    transaction_ids: list[int]
    skipped_rows: list[int] = Field(
        default_factory=list,
        description="Rows left out as already booked (skip_booked); empty on a replay.",
    )


class ImportRejection(BaseModel):
    error: str = "ValidationFailed"
    detail: str
    errors: list[RowIssue]
