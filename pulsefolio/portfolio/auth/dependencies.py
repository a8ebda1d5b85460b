"""FastAPI dependencies every portfolio route uses: the caller, a database session, resources.

A caller proves who they are with ``Authorization: Bearer <token>``, where the token is either a
short-lived access JWT (from login or refresh) or a personal API token (``pf_...``, for scripts).
Browsers cannot set headers on a WebSocket, so :func:`current_user_ws` also takes the token from
the ``access_token`` query parameter.

The user row is read on every request (one primary-key probe) rather than trusted from the JWT,
so a deleted user or a changed base currency takes effect at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, WebSocket, WebSocketException, status
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Forbidden, Unauthorized
from pulsefolio.core.tokens import verify_access_token
from pulsefolio.portfolio.resources import Resources

API_TOKEN_PREFIX = "pf_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    email: str
    role: Role
    base_currency: str


def get_resources(request: Request) -> Resources:
    """The process-wide connections the lifespan opened."""
    return request.state.resources  # type: ignore[no-any-return]


async def get_session(
    resources: Annotated[Resources, Depends(get_resources)],
) -> AsyncIterator[AsyncSession]:
    """One session per request; services commit explicitly, anything else is rolled back."""
    async with AsyncSession(resources.engine, expire_on_commit=False) as session:
        yield session


def _bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("missing bearer token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected 'Authorization: Bearer <token>'")
    return token.strip()


async def authenticate(resources: Resources, session: AsyncSession, token: str) -> CurrentUser:
    """The user a token belongs to; raises Unauthorized for an invalid, expired or revoked one."""
    from pulsefolio.portfolio.auth import repository

    if token.startswith(API_TOKEN_PREFIX):
        user = await repository.user_by_api_token(session, token)
    else:
        claims = verify_access_token(resources.settings, token)
        user = await repository.user_by_id(session, claims.user_id)
    if user is None:
        raise Unauthorized("invalid or revoked token")
    return CurrentUser(user.id, user.email, Role(user.role), user.base_currency)


async def current_user(
    request: Request,
    resources: Annotated[Resources, Depends(get_resources)],
    session: Annotated[AsyncSession, Depends(get_session)],
) -> CurrentUser:
    """The caller of an HTTP route, from ``Authorization: Bearer``; 401 otherwise."""
    return await authenticate(resources, session, _bearer(request.headers.get("authorization")))


async def current_user_ws(websocket: WebSocket) -> CurrentUser:
    """The caller of a WebSocket route, from ``?access_token=`` or the Authorization header.

    Refuses the handshake with close code 1008 (policy violation) when the token is not valid,
    since HTTP error responses do not exist once a WebSocket is being opened.
    """
    resources: Resources = websocket.state.resources
    token = websocket.query_params.get("access_token")
    try:
        if not token:
            token = _bearer(websocket.headers.get("authorization"))
        async with AsyncSession(resources.engine, expire_on_commit=False) as session:
            return await authenticate(resources, session, token)
    except Unauthorized as exc:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, exc.detail) from exc


async def require_admin(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """The caller, if an admin; 403 otherwise."""
    if user.role != Role.ADMIN:
        raise Forbidden("admin role required")
    return user


CurrentUserDep = Annotated[CurrentUser, Depends(current_user)]
AdminDep = Annotated[CurrentUser, Depends(require_admin)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
