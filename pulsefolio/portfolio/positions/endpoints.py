"""``GET /api/v1/accounts/{id}/positions``."""

from __future__ import annotations

from fastapi import APIRouter

from pulsefolio.core.schemas import IdParam
from pulsefolio.portfolio.auth.dependencies import CapitalizedDep, CurrentUserDep, SessionDep
from pulsefolio.portfolio.positions.schemas import AccountPositions
from pulsefolio.portfolio.positions.service import positions

router = APIRouter(prefix="/api/v1", tags=["positions"])


@router.get("/accounts/{account_id}/positions")
async def account_positions(
    account_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    capitalize: CapitalizedDep,
    include_empty: bool = False,
) -> AccountPositions:
    """Holdings (quantity above zero unless ``include_empty``) and cash per currency."""
    return await positions.of_account(
        session, user, account_id, include_empty=include_empty, capitalize=capitalize
    )
