"""``GET /api/v1/reports/tax-lots?year=&format=json|csv``: the caller's closed lots of a year."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pulsefolio.portfolio.auth.dependencies import (
    CapitalizedDep,
    CurrentUserDep,
    ResourcesDep,
    SessionDep,
)
from pulsefolio.portfolio.reports import schemas
from pulsefolio.portfolio.reports.report import tax_lots_csv
from pulsefolio.portfolio.reports.service import tax_lots

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


@router.get("/tax-lots", response_model=schemas.TaxLots)
async def tax_lot_report(
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
    capitalize: CapitalizedDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
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
        return Response(
            tax_lots_csv(report),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="tax-lots-{report.year}.csv"'},
        )
    return report
