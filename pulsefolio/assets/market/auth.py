"""Admin routes take the portfolio service's access tokens, verified by ``core.tokens``.

The token's role claim is not enough: it was true when the token was issued, up to its lifetime
ago. The user's role is read from the database on each admin request (they are few), so a
deleted user, a demoted admin or a token issued before a password change is refused at once,
as on the portfolio service.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import bindparam, select

from pulsefolio.core.db.direct import fetch_one
from pulsefolio.core.db.models import User
from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Forbidden, Unauthorized
from pulsefolio.core.tokens import TokenClaims, verify_access_token

_ROLE = select(User.role, User.sessions_since).where(User.id == bindparam("user_id"))


async def require_admin(request: Request) -> TokenClaims:
    """The caller's claims if they hold a valid access token of a current admin; 401 or 403
    otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer access token is required")
    resources = request.state.resources
    claims = verify_access_token(resources.settings, token.strip())
    if claims.role is not Role.ADMIN:
        raise Forbidden("administrators only")
    row = await fetch_one(resources.engine, _ROLE, {"user_id": claims.user_id})
    if row is None or claims.predates(row["sessions_since"]):
        raise Unauthorized("invalid or revoked token")
    if Role(row["role"]) is not Role.ADMIN:
        raise Forbidden("administrators only")
    return claims
