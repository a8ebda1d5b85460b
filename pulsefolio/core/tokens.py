"""Access tokens shared by both services: short-lived HS256 JWTs signed with the settings secret.

Claims: ``sub`` (the user id as a string), ``role``, ``iat`` (to the millisecond), ``exp`` and
``type`` = ``"access"``. The portfolio service issues them at login; any service verifies them
with :func:`verify_access_token` and nothing else, so a refresh token or a token of another kind
never passes as an access token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Unauthorized
from pulsefolio.core.settings import Settings

ALGORITHM = "HS256"
ACCESS = "access"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    role: Role
    expires_at: datetime
    issued_at: float = 0.0  # epoch seconds (``iat``, to the millisecond); 0 without one

    def predates(self, sessions_since: datetime | None) -> bool:
        """Whether the token was issued before the user's sessions were ended (a password
        change) and so no longer counts."""
        return issued_before(self.issued_at, sessions_since)


def issued_before(issued_at: float, sessions_since: datetime | None) -> bool:
    return sessions_since is not None and issued_at < round(sessions_since.timestamp(), 3)


def issue_access_token(
    settings: Settings, user_id: int, role: Role | str, *, now: datetime | None = None
) -> str:
    """A signed access token for ``user_id``, valid ``settings.access_token_minutes``."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": Role(role).value,
        "type": ACCESS,
        "iat": round(issued.timestamp(), 3),  # a NumericDate may be fractional (RFC 7519)
        "exp": int((issued + timedelta(minutes=settings.access_token_minutes)).timestamp()),
    }
    return jwt.encode(claims, settings.secret(), algorithm=ALGORITHM)


def _keys(settings: Settings) -> list[str]:
    """The signing key, then the one it replaced (rotation: both verify, only the first signs)."""
    previous = settings.secret_key_previous
    return [settings.secret(), *([previous.get_secret_value()] if previous else [])]


def _decode(settings: Settings, token: str) -> dict[str, Any]:
    *earlier, last = _keys(settings)
    for key in earlier:
        try:
            return _decode_with(token, key)
        except jwt.InvalidSignatureError:
            continue
    return _decode_with(token, last)


def _decode_with(token: str, key: str) -> dict[str, Any]:
    return jwt.decode(
        token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "role", "type"]}
    )


def verify_access_token(settings: Settings, token: str) -> TokenClaims:
    """The claims of a valid access token; raises Unauthorized for anything else."""
    try:
        claims = _decode(settings, token)
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("access token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("invalid access token") from exc
    if claims.get("type") != ACCESS:
        raise Unauthorized("not an access token")
    try:
        user_id = int(claims["sub"])
        role = Role(claims["role"])
    except (TypeError, ValueError) as exc:
        raise Unauthorized("invalid access token") from exc
    try:
        issued = float(claims.get("iat", 0))
    except (TypeError, ValueError) as exc:
        raise Unauthorized("invalid access token") from exc
    return TokenClaims(user_id, role, datetime.fromtimestamp(int(claims["exp"]), UTC), issued)
