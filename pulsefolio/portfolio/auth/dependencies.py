"""FastAPI dependencies every portfolio route uses: the caller, a database session, resources.

A caller proves who they are with ``Authorization: Bearer <token>``, where the token is either a
short-lived access JWT (from login or refresh) or a personal API token (``pf_...``, for scripts).
Browsers cannot set headers on a WebSocket, so :func:`current_user_ws` also takes the token from
the ``access_token`` query parameter.

The JWT is verified in-process on every request (signature, expiry, type). The user row behind
a token is read from the primary database only when :mod:`.cache` does not hold it (a few
seconds), so most requests open no database session at all: a deleted user or a revoked API
token is refused within ``cache.TTL_SECONDS``, at once when the change went through this
instance. So is an access token issued before the user's ``sessions_since`` (set by a password
change): the row carries it, the verdict on the token its issue time. A request resolves its
caller once (:func:`request_user`), whether the route or its database session (which needs the
caller to route reads to a replica) asks first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request, WebSocket, WebSocketException, status
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.direct import fetch_one
from pulsefolio.core.db.engine import close_session
from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Forbidden, Unauthorized
from pulsefolio.core.guards import Guards
from pulsefolio.core.tokens import issued_before, verify_access_token
from pulsefolio.portfolio.auth.cache import Verdict, api_token_key, cache_for, user_key
from pulsefolio.portfolio.resources import Resources

log = logging.getLogger(__name__)

API_TOKEN_PREFIX = "pf_"  # noqa: S105 (a prefix, not a secret)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    id: int
    email: str
    role: Role
    base_currency: str
    sessions_since: datetime | None = None  # access tokens issued before it are refused


def get_resources(request: Request) -> Resources:
    """The process-wide connections the lifespan opened."""
    return request.state.resources  # type: ignore[no-any-return]


async def get_session(
    request: Request,
    resources: Annotated[Resources, Depends(get_resources)],
) -> AsyncIterator[AsyncSession]:
    """One session per request; services commit explicitly, anything else is rolled back.

    With a read replica, GET and HEAD read from it and callers read their own writes
    (:meth:`Resources.session`); a request with no valid token is anonymous there, and its route
    refuses it.
    """
    user_id = None
    if resources.read_engine is not None:
        with suppress(Unauthorized):
            user_id = (await request_user(request, resources)).id
    session = await resources.session(request.method, user_id)
    try:
        yield session
    finally:
        await asyncio.shield(close_session(session))


def _bearer(header: str | None) -> str:
    if not header:
        raise Unauthorized("missing bearer token")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected 'Authorization: Bearer <token>'")
    return token.strip()


async def authenticate(resources: Resources, token: str) -> CurrentUser:
    """The user a token belongs to; raises Unauthorized for an invalid, expired or revoked one,
    or an access token issued before the user's sessions were ended (a password change)."""
    from pulsefolio.portfolio.auth import repository

    cache = cache_for(resources.engine)
    verdict = None
    if token.startswith(API_TOKEN_PREFIX):
        hashed = repository.token_hash(token)
        key = api_token_key(hashed)
    else:
        verdict = _verdict(resources, token)
        key = user_key(verdict.user_id)
    found: CurrentUser | None = cache.get(key)
    if found is None:
        found = await _identity(resources, token, verdict)
        cache.put(key, found.id, found, lasting=verdict is not None)
    if verdict is not None and issued_before(verdict.issued, found.sessions_since):
        raise Unauthorized("signed out: the password was changed; please sign in again")
    return found


async def _identity(resources: Resources, token: str, verdict: Verdict | None) -> CurrentUser:
    """The caller's row, from the primary even with a replica: a replica may not have a token
    issued a moment ago yet, or may still hold one just revoked."""
    from pulsefolio.portfolio.auth import repository

    query = (
        repository.identity_by_id(verdict.user_id)
        if verdict is not None
        else repository.identity_by_api_token(repository.token_hash(token))
    )
    row = await fetch_one(resources.engine, query.statement, query.params)
    if row is None:
        raise Unauthorized("invalid or revoked token")
    if "token_id" in row:
        await _note_api_token_use(resources, row)
    return CurrentUser(
        row["id"], row["email"], Role(row["role"]), row["base_currency"], row["sessions_since"]
    )


def _verdict(resources: Resources, token: str) -> Verdict:
    """The user and issue time of a valid access token, checked once per token; raises
    Unauthorized."""
    verdict = resources.verified.get(token)
    if verdict is None:
        claims = verify_access_token(resources.settings, token)
        verdict = Verdict(claims.user_id, claims.expires_at.timestamp(), claims.issued_at)
        resources.verified.put(token, verdict)
    return verdict


def known_caller(resources: Resources, authorization: str) -> CurrentUser | None:
    """The caller behind an ``Authorization`` header when that needs no I/O: a verified access
    token whose user is cached. None otherwise (the full path then decides, and may refuse)."""
    from pulsefolio.portfolio.auth import repository

    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    cache = cache_for(resources.engine)
    if token.startswith(API_TOKEN_PREFIX):
        scripted: CurrentUser | None = cache.get(api_token_key(repository.token_hash(token)))
        return scripted
    verdict = resources.verified.get(token)
    if verdict is None:
        return None
    found: CurrentUser | None = cache.get(user_key(verdict.user_id))
    if found is None or issued_before(verdict.issued, found.sessions_since):
        return None
    return found


async def _note_api_token_use(resources: Resources, row: Mapping[str, Any]) -> None:
    """Record when a personal token was last used (to the minute); a failure to record it
    must not refuse the request."""
    from pulsefolio.portfolio.auth import repository

    now = datetime.now(UTC)
    if not repository.use_is_news(row["last_used_at"], now):
        return
    try:
        await repository.note_api_token_use(resources.engine, row["token_id"], now)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("could not record the use of personal token %s: %s", row["token_id"], exc)


async def request_user(request: Request, resources: Resources) -> CurrentUser:
    """The caller of an HTTP request, resolved once per request; raises Unauthorized."""
    found: CurrentUser | Unauthorized | None = getattr(request.state, "user", None)
    if found is None:
        try:
            found = await authenticate(resources, _bearer(request.headers.get("authorization")))
        except Unauthorized as exc:
            found = exc
        request.state.user = found
    if isinstance(found, Unauthorized):
        raise found
    return found


async def current_user(
    request: Request, resources: Annotated[Resources, Depends(get_resources)]
) -> CurrentUser:
    """The caller of an HTTP route, from ``Authorization: Bearer``; 401 otherwise. Opens no
    database session unless the caller is not cached."""
    return await request_user(request, resources)


def websocket_token(websocket: WebSocket) -> str:
    """The token a WebSocket handshake carries; raises Unauthorized when there is none."""
    query = websocket.query_params.get("access_token")
    return query or _bearer(websocket.headers.get("authorization"))


async def current_user_ws(websocket: WebSocket) -> CurrentUser:
    """The caller of a WebSocket route, from ``?access_token=`` or the Authorization header.

    Refuses the handshake with close code 1008 (policy violation) when the token is not valid,
    since HTTP error responses do not exist once a WebSocket is being opened.
    """
    resources: Resources = websocket.state.resources
    try:
        return await authenticate(resources, websocket_token(websocket))
    except Unauthorized as exc:
        raise WebSocketException(status.WS_1008_POLICY_VIOLATION, exc.detail) from exc


async def require_admin(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
    """The caller, if an admin; 403 otherwise."""
    if user.role != Role.ADMIN:
        raise Forbidden("admin role required")
    return user


def purchase_fees_capitalized(resources: Annotated[Resources, Depends(get_resources)]) -> bool:
    """The ``purchase_fees_in_cost_basis`` setting every money figure follows."""
    return resources.settings.purchase_fees_in_cost_basis


async def _caller_of(request: Request) -> CurrentUser:
    return await request_user(request, get_resources(request))


async def _admin_of(request: Request) -> CurrentUser:
    return await require_admin(await _caller_of(request))


# Checked before an invalid request to a guarded route is refused (pulsefolio.core.guards).
GUARDS: Guards = {current_user: _caller_of, require_admin: _admin_of}

CurrentUserDep = Annotated[CurrentUser, Depends(current_user)]
AdminDep = Annotated[CurrentUser, Depends(require_admin)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ResourcesDep = Annotated[Resources, Depends(get_resources)]
CapitalizedDep = Annotated[bool, Depends(purchase_fees_capitalized)]
