"""``/api/v1/auth/*`` (register, login, refresh, logout), ``/api/v1/me/password``,
``/api/v1/me/sessions`` and ``/api/v1/tokens``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from pulsefolio.core.openapi import errors
from pulsefolio.core.schemas import IdParam
from pulsefolio.portfolio.auth import schemas
from pulsefolio.portfolio.auth.dependencies import CurrentUserDep, ResourcesDep, SessionDep
from pulsefolio.portfolio.auth.passwords import Passwords
from pulsefolio.portfolio.auth.ratelimit import client_address
from pulsefolio.portfolio.auth.service import auth
from pulsefolio.portfolio.users.schemas import Me

router = APIRouter(prefix="/api/v1")


def get_passwords(request: Request) -> Passwords:
    return request.app.state.passwords  # type: ignore[no-any-return]


PasswordsDep = Annotated[Passwords, Depends(get_passwords)]


@router.post(
    "/auth/register", status_code=status.HTTP_201_CREATED, tags=["auth"], responses=errors(409)
)
async def register(body: schemas.Register, session: SessionDep, passwords: PasswordsDep) -> Me:
    return Me.model_validate(await auth.register(session, passwords, body))


@router.post("/auth/login", tags=["auth"], responses=errors(401, 429))
async def login(
    body: schemas.Login,
    request: Request,
    session: SessionDep,
    resources: ResourcesDep,
    passwords: PasswordsDep,
) -> schemas.TokenPair:
    return await auth.login(
        session, resources.settings, passwords, resources.redis, body, client_address(request)
    )


@router.post("/auth/refresh", tags=["auth"], responses=errors(401))
async def refresh(
    body: schemas.Refresh, session: SessionDep, resources: ResourcesDep
) -> schemas.TokenPair:
    return await auth.refresh(session, resources.settings, body.refresh_token)


@router.post("/me/password", tags=["auth"], responses=errors(429))
async def change_password(
    body: schemas.PasswordChange,
    request: Request,
    user: CurrentUserDep,
    session: SessionDep,
    resources: ResourcesDep,
    passwords: PasswordsDep,
) -> schemas.TokenPair:
    """Set a new password. Every sign-in made before ends at once, its access token included;
    the answer signs this one in afresh. Personal API tokens stay: revoke them at ``/tokens``."""
    return await auth.change_password(session, resources.settings, passwords, resources.redis,
                                      user, body, client_address(request))  # fmt: skip


@router.delete("/me/sessions", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
async def end_sessions(user: CurrentUserDep, session: SessionDep) -> Response:
    """Sign out everywhere: every sign-in ends at once, this one included (sign in again after).
    Personal API tokens stay: revoke them at ``/tokens``."""
    await auth.end_sessions(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
async def logout(body: schemas.Refresh, session: SessionDep) -> Response:
    await auth.logout(session, body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, tags=["tokens"])
async def create_token(
    body: schemas.ApiTokenCreate, user: CurrentUserDep, session: SessionDep
) -> schemas.ApiTokenCreated:
    return await auth.create_api_token(session, user, body)


@router.get("/tokens", tags=["tokens"])
async def list_tokens(user: CurrentUserDep, session: SessionDep) -> list[schemas.ApiToken]:
    rows = await auth.list_api_tokens(session, user)
    return [schemas.ApiToken.model_validate(row) for row in rows]


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["tokens"])
async def revoke_token(token_id: IdParam, user: CurrentUserDep, session: SessionDep) -> Response:
    await auth.revoke_api_token(session, user, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
