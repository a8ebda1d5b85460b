"""The caller's reports across accounts: ``GET /api/v1/reports/tax-lots?year=&format=json|csv``
(the lots closed in a year) and ``GET /api/v1/reports/income?from=&to=&account_id=&format=``
(dividends and interest by month, year and holding)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pulsefolio.core.openapi import content
from pulsefolio.core.schemas import IdParam, Year
from pulsefolio.portfolio.auth.dependencies import (
    CapitalizedDep,
    CurrentUserDep,
    ResourcesDep,
    SessionDep,
)
from pulsefolio.portfolio.reports import schemas
from pulsefolio.portfolio.reports.income import income
from pulsefolio.portfolio.reports.report import csv_download, income_csv, tax_lots_csv
from pulsefolio.portfolio.reports.service import tax_lots

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get(
    "/tax-lots",
    response_model=schemas.TaxLots,
    responses=content("text/csv", "With ``format=csv``: the report as CSV"),
)
async def tax_lot_report(
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
    capitalize: CapitalizedDep,
    year: Year | None = None,
    format: Literal["json", "csv"] = "json",
) -> schemas.TaxLots | Response:
    report = await tax_lots(
        session,
        user,
        year,
        capitalize=capitalize,
        long_term_days=resources.settings.long_term_holding_days,
    )
    if format == "csv":
        return csv_download(tax_lots_csv(report), f"tax-lots-{report.year}.csv")
    return report


@router.get(
    "/income",
    response_model=schemas.Income,
    responses=content("text/csv", "With ``format=csv``: each payment as CSV"),
)
async def income_report(
    user: CurrentUserDep,
    session: SessionDep,
    capitalize: CapitalizedDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    account_id: Annotated[list[IdParam] | None, Query()] = None,
    format: Literal["json", "csv"] = "json",
) -> schemas.Income | Response:
    """Dividends and interest from ``from`` to ``to`` (both included), in the base currency;
    repeat ``account_id`` for several accounts (default: all)."""
    report = await income(session, user, account_id, start, end, capitalize=capitalize)
    if format == "csv":
        name = f"income-{report.summary.start or 'all'}-{report.summary.end}.csv"
        return csv_download(income_csv(report), name)
    return report.summary
