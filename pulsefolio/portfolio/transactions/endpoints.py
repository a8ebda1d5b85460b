"""Transactions: create (idempotent), list (per account or across all) with filters and paging,
read, correct, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from annotated_types import Ge, Le
from fastapi import APIRouter, Header, Query, Response, status

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.openapi import errors
from pulsefolio.core.schemas import Digits, IdParam, IsoMoment, Offset
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, ResourcesDep, SessionDep
from pulsefolio.portfolio.transactions import schemas
from pulsefolio.portfolio.transactions.decimals import DecimalRoute
from pulsefolio.portfolio.transactions.service import transactions

CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"  # what encode_cursor writes: URL-safe base64, unpadded

router = APIRouter(prefix="/api/v1", tags=["transactions"], route_class=DecimalRoute)


@router.post(
    "/accounts/{account_id}/transactions",
    status_code=status.HTTP_201_CREATED,
    responses=errors(409),
)
async def create_transaction(
    account_id: IdParam,
    body: schemas.TransactionCreate,
    response: Response,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
    idempotency_key: Annotated[
        str | None, Header(min_length=1, max_length=200, alias="Idempotency-Key")
    ] = None,
) -> schemas.Transaction:
    row, replayed = await transactions.create(
        session, resources.stream, user, account_id, body, idempotency_key
    )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return schemas.Transaction.model_validate(row)


@router.get("/accounts/{account_id}/transactions")
async def list_transactions(
    account_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    type: Annotated[list[TransactionType] | None, Query()] = None,
    asset_id: IdParam | None = None,
    start: Annotated[IsoMoment | None, Query(alias="from")] = None,
    end: Annotated[IsoMoment | None, Query(alias="to")] = None,
    cursor: Annotated[str | None, Query(max_length=200, pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Ge(1), Le(500), Digits, Query()] = 100,
) -> schemas.TransactionPage:
    return await transactions.list(
        session,
        user,
        account_id,
        types=type,
        asset_id=asset_id,
        start=start,
        end=end,
        cursor=cursor,
        limit=limit,
    )


SortKey = Literal[
    "executed_at", "-executed_at", "account", "-account", "symbol", "-symbol", "type", "-type",
    "quantity", "-quantity", "price", "-price", "amount", "-amount", "fee", "-fee",
]  # fmt: skip


@router.get("/transactions")
async def list_all_transactions(
    user: CurrentUserDep,
    session: SessionDep,
    account_id: Annotated[list[IdParam] | None, Query()] = None,
    asset_id: Annotated[list[IdParam] | None, Query()] = None,
    type: Annotated[list[TransactionType] | None, Query()] = None,
    start: Annotated[IsoMoment | None, Query(alias="from")] = None,
    end: Annotated[IsoMoment | None, Query(alias="to")] = None,
    sort: SortKey = "-executed_at",
    offset: Annotated[Offset, Query()] = 0,
    limit: Annotated[int, Ge(1), Le(500), Digits, Query()] = 50,
) -> schemas.TransactionListing:
    """The caller's transactions in all their accounts, filtered, sorted and paged by offset.
    Repeat ``account_id``, ``asset_id`` or ``type`` to match any of several."""
    query = schemas.TransactionQuery(account_id, asset_id, type, start, end, sort, offset, limit)
    return await transactions.list_all(session, user, query)


@router.get("/transactions/{transaction_id}")
async def get_transaction(
    transaction_id: IdParam, user: CurrentUserDep, session: SessionDep
) -> schemas.Transaction:
    return schemas.Transaction.model_validate(await transactions.get(session, user, transaction_id))


@router.patch("/transactions/{transaction_id}", responses=errors(409))
async def update_transaction(
    transaction_id: IdParam,
    body: schemas.TransactionUpdate,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
) -> schemas.Transaction:
    row = await transactions.update(session, resources.stream, user, transaction_id, body)
    return schemas.Transaction.model_validate(row)


@router.delete(
    "/transactions/{transaction_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(409),
)
async def delete_transaction(
    transaction_id: IdParam, user: CurrentUserDep, session: SessionDep, resources: ResourcesDep
) -> Response:
    await transactions.delete(session, resources.stream, user, transaction_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
