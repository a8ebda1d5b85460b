"""``GET/PATCH /api/v1/me``."""

from __future__ import annotations

from fastapi import APIRouter

from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, ResourcesDep, SessionDep
from pulsefolio.portfolio.users.schemas import Me, MeUpdate
from pulsefolio.portfolio.users.service import users

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.get("/me")
async def get_me(user: CurrentUserDep, session: SessionDep) -> Me:
    return Me.model_validate(await users.get(session, user))


@router.patch("/me")
async def update_me(
    body: MeUpdate, user: CurrentUserDep, session: SessionDep, resources: ResourcesDep
) -> Me:
    return Me.model_validate(await users.update(session, resources.stream, user, body))
