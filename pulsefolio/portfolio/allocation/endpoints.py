"""``/api/v1/allocation``: target weights per dimension, drift from them, rebalancing trades."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response

from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import MONEY_NUMERIC, column_problem, parse_decimal
from pulsefolio.core.schemas import DECIMAL_PATTERN, UNSIGNED_DECIMAL, IdParam
from pulsefolio.portfolio.allocation.schemas import Allocation, Dimension, Targets, TargetsPut
from pulsefolio.portfolio.allocation.service import allocation_service
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, SessionDep
from pulsefolio.portfolio.live.service import Live
from pulsefolio.portfolio.transactions.decimals import DecimalRoute

router = APIRouter(prefix="/api/v1/allocation", tags=["allocation"], route_class=DecimalRoute)


@router.get("/targets")
async def get_targets(user: CurrentUserDep, session: SessionDep) -> Targets:
    """The caller's targets of every dimension and their drift tolerance (default 5 points)."""
    return await allocation_service.targets(session, user)


@router.put("/targets")
async def put_targets(
    request: Request, body: TargetsPut, user: CurrentUserDep, session: SessionDep
) -> Targets:
    """Replace one dimension's targets; the weights sum to 100 (or the list is empty)."""
    board = request.state.live.engine.board
    base = user.base_currency
    return await allocation_service.replace(
        session, user, body, lambda code: board.rate(code, base) is not None
    )


def _cash(text: str | None) -> Decimal | None:
    if text is None:
        return None
    if not re.fullmatch(DECIMAL_PATTERN, text):
        raise ValidationFailed("cash: not a number", {"cash": "not a number"})
    value = parse_decimal(text)
    problem = "must not be negative" if value < 0 else column_problem(value, MONEY_NUMERIC)
    if problem:
        raise ValidationFailed(f"cash: {problem}", {"cash": problem})
    return value


@router.get("", response_model=Allocation)
async def get_allocation(
    request: Request,
    user: CurrentUserDep,
    session: SessionDep,
    dimension: Dimension = Dimension.ASSET_CLASS,
    cash: Annotated[
        str | None,
        Query(
            description="New money to invest, buying only.",
            json_schema_extra={"pattern": UNSIGNED_DECIMAL},
        ),
    ] = None,
    account_id: IdParam | None = None,
) -> Response:
    """Value, weight, target and drift per key of ``dimension``, and the trades back to the
    targets; 404 for an account that is not the caller's."""
    new_money = _cash(cash)
    live: Live = request.state.live
    if account_id is None:
        book = await live.book(user.id)
    else:
        book = await live.owned_book(user.id, account_id)
    valuation = live.value(book, user.base_currency, account_id)
    body = await allocation_service.report(session, user, valuation, dimension, new_money)
    return Response(orjson.dumps(body), media_type="application/json")
