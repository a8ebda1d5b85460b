"""Value history, returns, open lots and realized gains; see :mod:`.service` for conventions.

``range`` is one of 1D, 1W, WTD, MTD, 1M, 3M, 6M, YTD, 1Y, 3Y, 5Y, MAX or custom (with
``start`` and ``end``, dates written ``YYYY-MM-DD``; either one with another range is a 422
rather than ignored); the account routes take an optional ``asset_id`` for one holding, the
benchmark routes a required one naming the benchmark asset. Another user's account answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response

from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.openapi import content
from pulsefolio.core.schemas import IdParam, IsoDate, Year
from pulsefolio.portfolio.auth.dependencies import CapitalizedDep, CurrentUserDep, SessionDep
from pulsefolio.portfolio.performance import schemas
from pulsefolio.portfolio.performance.benchmark import benchmark_service
from pulsefolio.portfolio.performance.report import realized_csv
from pulsefolio.portfolio.performance.service import performance_service as service
from pulsefolio.portfolio.reports.report import csv_download

router = APIRouter(prefix="/api/v1", tags=["performance"])

RangeQuery = Annotated[
    str, Query(alias="range", pattern=r"(?i)^(1D|1W|WTD|MTD|1M|3M|6M|YTD|1Y|3Y|5Y|MAX|custom)$")
]


def _params(default: str) -> Callable[..., schemas.RangeParams]:
    def params(
        range_: RangeQuery = default, start: IsoDate | None = None, end: IsoDate | None = None
    ) -> schemas.RangeParams:
        given = {"query.start": start, "query.end": end}
        if range_.lower() == "custom":
            wrong = {name: "is required with range=custom" for name, v in given.items() if not v}
        else:
            wrong = {name: "is only for range=custom" for name, v in given.items() if v}
        if wrong:
            raise ValidationFailed("start and end go together with range=custom", wrong)
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
    account_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    rng: HistoryRange,
    capitalize: CapitalizedDep,
    interval: Interval = Interval.DAY,
    asset_id: IdParam | None = None,
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
    account_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    rng: ReturnsRange,
    capitalize: CapitalizedDep,
    asset_id: IdParam | None = None,
) -> schemas.Performance:
    sel = schemas.Selection(account_id, asset_id, rng, capitalize)
    return await service.performance(session, user, sel)


def _benchmark_query(
    asset_id: IdParam,
    rng: ReturnsRange,
    capitalize: CapitalizedDep,
    interval: Interval = Interval.DAY,
) -> schemas.BenchmarkQuery:
    return schemas.BenchmarkQuery(asset_id, rng, interval, capitalize)


BenchmarkQuery = Annotated[schemas.BenchmarkQuery, Depends(_benchmark_query)]


@router.get("/portfolio/benchmark")
async def portfolio_benchmark(
    user: CurrentUserDep, session: SessionDep, query: BenchmarkQuery
) -> schemas.Benchmark:
    """The portfolio's cumulative TWR beside asset ``asset_id``'s price return in the base
    currency, on the days ``/history`` gives, with both drawdowns and the excess return."""
    return await benchmark_service.compare(session, user, None, query)


@router.get("/accounts/{account_id}/benchmark")
async def account_benchmark(
    account_id: IdParam, user: CurrentUserDep, session: SessionDep, query: BenchmarkQuery
) -> schemas.Benchmark:
    return await benchmark_service.compare(session, user, account_id, query)


@router.get("/accounts/{account_id}/lots")
async def account_lots(
    account_id: IdParam, user: CurrentUserDep, session: SessionDep, capitalize: CapitalizedDep
) -> schemas.Lots:
    return await service.lots(session, user, account_id, capitalize)


@router.get(
    "/accounts/{account_id}/realized",
    response_model=schemas.Realized,
    responses=content("text/csv", "With ``format=csv``: the report as CSV"),
)
async def account_realized(
    account_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    capitalize: CapitalizedDep,
    year: Year | None = None,
    format: Literal["json", "csv"] = "json",
) -> schemas.Realized | Response:
    report = await service.realized(session, user, account_id, year, capitalize)
    if format == "csv":
        return csv_download(realized_csv(report), f"realized-{account_id}-{report.year}.csv")
    return report
