"""Admin routes take the portfolio service's access tokens, verified by ``core.tokens``."""

from __future__ import annotations

from fastapi import Request

from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Forbidden, Unauthorized
from pulsefolio.core.tokens import TokenClaims, verify_access_token


def require_admin(request: Request) -> TokenClaims:
    """The caller's claims if they hold a valid admin access token; 401 or 403 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer access token is required")
    claims = verify_access_token(request.state.resources.settings, token.strip())
    if claims.role is not Role.ADMIN:
        raise Forbidden("administrators only")
    return claims
