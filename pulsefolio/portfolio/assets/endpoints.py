"""``/api/v1/assets``: search and price history (everyone), create and edit (admins)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Query, status

from pulsefolio.core.openapi import errors
from pulsefolio.core.schemas import Digits, IdParam, IsoDate, Offset, Text
from pulsefolio.portfolio.assets import schemas
from pulsefolio.portfolio.assets.service import assets
from pulsefolio.portfolio.auth.dependencies import AdminDep, CurrentUserDep, SessionDep

router = APIRouter(prefix="/api/v1/assets", tags=["assets"])


@router.get("")
async def search_assets(
    user: CurrentUserDep,
    session: SessionDep,
    q: Annotated[Text | None, Query(max_length=100, description="Symbol, name or ISIN")] = None,
    limit: Annotated[int, Ge(1), Le(200), Digits, Query()] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> list[schemas.Asset]:
    rows = await assets.search(session, q, limit, offset)
    return [schemas.Asset.model_validate(row) for row in rows]


@router.get("/{asset_id}")
async def get_asset(
    asset_id: IdParam, user: CurrentUserDep, session: SessionDep
) -> schemas.AssetDetail:
    return await assets.get(session, asset_id)


@router.get("/{asset_id}/prices")
async def asset_prices(
    asset_id: IdParam,
    user: CurrentUserDep,
    session: SessionDep,
    start: IsoDate | None = None,
    end: IsoDate | None = None,
) -> schemas.AssetPrices:
    """The last recorded price of each day (UTC) from ``start`` to ``end`` (default: the year up
    to today). Prices are market data: any signed-in user may read any asset's."""
    return await assets.prices(session, asset_id, start, end)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(409))
async def create_asset(
    body: schemas.AssetCreate, admin: AdminDep, session: SessionDep
) -> schemas.AssetDetail:
    return await assets.create(session, body)


@router.patch("/{asset_id}", responses=errors(409))
async def update_asset(
    asset_id: IdParam, body: schemas.AssetUpdate, admin: AdminDep, session: SessionDep
) -> schemas.AssetDetail:
    return await assets.update(session, asset_id, body)
