"""Value history, returns, open lots and realized gains; see :mod:`.service` for conventions.

``range`` is one of 1D, WTD, MTD, YTD, 1Y, 3Y, 5Y, MAX or custom (with ``start`` and ``end``);
the account routes take an optional ``asset_id`` for one holding. Another user's account
answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from pulsefolio.portfolio.auth.dependencies import CapitalizedDep, CurrentUserDep, SessionDep
from pulsefolio.portfolio.performance import schemas
from pulsefolio.portfolio.performance.report import realized_csv
from pulsefolio.portfolio.performance.service import performance_service as service

router = APIRouter(prefix="/api/v1", tags=["performance"])

RangeQuery = Annotated[
    str, Query(alias="range", pattern=r"(?i)^(1D|WTD|MTD|YTD|1Y|3Y|5Y|MAX|custom)$")
]


def _params(default: str) -> Callable[..., schemas.RangeParams]:
    def params(
        range_: RangeQuery = default, start: date | None = None, end: date | None = None
    ) -> schemas.RangeParams:
        return schemas.RangeParams(range_, start, end)

    return params


HistoryRange = Annotated[schemas.RangeParams, Depends(_params("1Y"))]
ReturnsRange = Annotated[schemas.RangeParams, Depends(_params("YTD"))]
Interval = schemas.Interval


@router.get("/portfolio/history")
async def portfolio_history(
    user: CurrentUserDep,
    session: SessionDep,
    rng: HistoryRange,
    capitalize: CapitalizedDep,
    interval: Interval = Interval.DAY,
) -> schemas.History:
    sel = schemas.Selection(None, None, rng, capitalize)
    return await service.history(session, user, sel, interval)


@router.get("/accounts/{account_id}/history")
async def account_history(
    account_id: int,
    user: CurrentUserDep,
    session: SessionDep,
    rng: HistoryRange,
    capitalize: CapitalizedDep,
    interval: Interval = Interval.DAY,
    asset_id: int | None = None,
) -> schemas.History:
    sel = schemas.Selection(account_id, asset_id, rng, capitalize)
    return await service.history(session, user, sel, interval)


@router.get("/portfolio/performance")
async def portfolio_performance(
    user: CurrentUserDep, session: SessionDep, rng: ReturnsRange, capitalize: CapitalizedDep
) -> schemas.Performance:
    sel = schemas.Selection(None, None, rng, capitalize)
    return await service.performance(session, user, sel)


@router.get("/accounts/{account_id}/performance")
async def account_performance(
    account_id: int,
    user: CurrentUserDep,
    session: SessionDep,
    rng: ReturnsRange,
    capitalize: CapitalizedDep,
    asset_id: int | None = None,
) -> schemas.Performance:
    sel = schemas.Selection(account_id, asset_id, rng, capitalize)
    return await service.performance(session, user, sel)


@router.get("/accounts/{account_id}/lots")
async def account_lots(
    account_id: int, user: CurrentUserDep, session: SessionDep, capitalize: CapitalizedDep
) -> schemas.Lots:
    return await service.lots(session, user, account_id, capitalize)


@router.get("/accounts/{account_id}/realized", response_model=schemas.Realized)
async def account_realized(
    account_id: int,
    user: CurrentUserDep,
    session: SessionDep,
    capitalize: CapitalizedDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    format: Literal["json", "csv"] = "json",
) -> schemas.Realized | Response:
    report = await service.realized(session, user, account_id, year, capitalize)
    if format == "csv":
        name = f"realized-{account_id}-{report.year}.csv"
        return Response(
            realized_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return report
