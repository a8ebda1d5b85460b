"""Valuation routes. Answers come from the engine in memory; no database query for prices or
positions. The body is built as plain data and serialised once with orjson (the schema in
:mod:`.schemas` documents it)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from pulsefolio.core.schemas import IdParam
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep
from pulsefolio.portfolio.live.endpoints import router as stream_router
from pulsefolio.portfolio.live.service import Live
from pulsefolio.portfolio.portfolios.schemas import Portfolio
from pulsefolio.portfolio.portfolios.service import Valuation

router = APIRouter(prefix="/api/v1", tags=["portfolio"])
router.include_router(stream_router)


def _json(valuation: Valuation) -> Response:
    return Response(orjson.dumps(valuation.body()), media_type="application/json")


@router.get("/portfolio", response_model=Portfolio)
async def get_portfolio(request: Request, user: CurrentUserDep) -> Response:
    """All the caller's open accounts, valued in their base currency."""
    live: Live = request.state.live
    book = await live.book(user.id)
    return Response(live.answer(book, user.base_currency), media_type="application/json")


@router.get("/accounts/{account_id}/portfolio", response_model=Portfolio)
async def get_account_portfolio(
    request: Request, account_id: IdParam, user: CurrentUserDep
) -> Response:
    """One of the caller's accounts; 404 when it is not theirs."""
    live: Live = request.state.live
    book = await live.owned_book(user.id, account_id)
    return _json(live.value(book, user.base_currency, account_id))
