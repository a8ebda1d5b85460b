"""Imports of transactions (broker CSV, Ghostfolio JSON), their preview, and the CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from pulsefolio.core.openapi import content, errors
from pulsefolio.core.schemas import IdParam
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, ResourcesDep, SessionDep
from pulsefolio.portfolio.imports import schemas
from pulsefolio.portfolio.imports.export import export_csv
from pulsefolio.portfolio.imports.service import ImportRejected, imports

router = APIRouter(prefix="/api/v1", tags=["imports"])


@router.post("/imports/preview")
async def preview_import(
    body: schemas.ImportRequest,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
) -> schemas.Preview:
    return await imports.preview(session, user, body, resources.settings.import_max_bytes)


@router.post(
    "/imports",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ImportResult,
    responses={**errors(409), 422: {"model": schemas.ImportRejection}},
)
async def run_import(
    body: schemas.ImportRequest,
    response: Response,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
    idempotency_key: schemas.IdempotencyKey = None,
) -> schemas.ImportResult | JSONResponse:
    try:
        result, replayed = await imports.run(
            session,
            resources.stream,
            user,
            body,
            resources.settings.import_max_bytes,
            idempotency_key,
        )
    except ImportRejected as exc:
        rejection = schemas.ImportRejection(detail=exc.detail, errors=exc.errors)
        return JSONResponse(rejection.model_dump(), status_code=exc.status_code)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get(
    "/transactions/export.csv",
    response_class=Response,
    responses=content("text/csv", "The transactions as CSV"),
)
async def export_transactions(
    user: CurrentUserDep, session: SessionDep, account_id: IdParam | None = None
) -> Response:
    text = await export_csv(session, user, account_id)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )
