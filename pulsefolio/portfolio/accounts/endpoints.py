"""``/api/v1/accounts``: create, list, read, rename or change cost method, close."""

from __future__ import annotations

from fastapi import APIRouter, status

from pulsefolio.core.openapi import errors
from pulsefolio.core.schemas import IdParam
from pulsefolio.portfolio.accounts.schemas import Account, AccountCreate, AccountUpdate
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, ResourcesDep, SessionDep

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_account(
    body: AccountCreate, user: CurrentUserDep, session: SessionDep, resources: ResourcesDep
) -> Account:
    return Account.model_validate(await accounts.create(session, resources.stream, user, body))


@router.get("")
async def list_accounts(
    user: CurrentUserDep, session: SessionDep, include_closed: bool = True
) -> list[Account]:
    rows = await accounts.list(session, user, include_closed=include_closed)
    return [Account.model_validate(row) for row in rows]


@router.get("/{account_id}")
async def get_account(account_id: IdParam, user: CurrentUserDep, session: SessionDep) -> Account:
    return Account.model_validate(await accounts.get(session, user, account_id))


@router.patch("/{account_id}")
async def update_account(
    account_id: IdParam,
    body: AccountUpdate,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
) -> Account:
    row = await accounts.update(session, resources.stream, user, account_id, body)
    return Account.model_validate(row)


@router.post("/{account_id}/close", responses=errors(409))
async def close_account(
    account_id: IdParam, user: CurrentUserDep, session: SessionDep, resources: ResourcesDep
) -> Account:
    return Account.model_validate(await accounts.close(session, resources.stream, user, account_id))
