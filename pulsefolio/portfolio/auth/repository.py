"""Queries on users, refresh tokens and personal API tokens."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pulsefolio.core.db.models import ApiToken, RefreshToken, User


def token_hash(token: str) -> str:
    """Tokens are high-entropy random strings, so a plain SHA-256 is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    return await session.get(User, user_id)


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    result = await session.execute(select(User).where(func.lower(User.email) == email.lower()))
    return result.scalar_one_or_none()


IDENTITY = (User.id, User.email, User.role, User.base_currency, User.sessions_since)


@dataclass(frozen=True, slots=True)
class IdentityQuery:
    """What a request needs to know of its caller: a constant statement and its parameters."""

    statement: Select[*tuple[Any, ...]]
    params: dict[str, Any]


_BY_ID = select(*IDENTITY).where(User.id == bindparam("user_id"))
_BY_API_TOKEN = (
    select(*IDENTITY, ApiToken.id.label("token_id"), ApiToken.last_used_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
    )
)


def identity_by_id(user_id: int) -> IdentityQuery:
    """The caller of an access token, by user id."""
    return IdentityQuery(_BY_ID, {"user_id": user_id})


def identity_by_api_token(hashed: str) -> IdentityQuery:
    """The caller behind a personal API token, if it is neither revoked nor expired."""
    return IdentityQuery(_BY_API_TOKEN, {"token_hash": hashed, "now": datetime.now(UTC)})


# A personal token's last use is recorded to the minute: a script calling every second must not
# turn each request into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def use_is_news(last_used_at: datetime | None, now: datetime) -> bool:
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


async def note_api_token_use(engine: AsyncEngine, token_id: int, now: datetime) -> None:
    """Set the token's ``last_used_at`` unless another request set it within the resolution."""
    async with engine.begin() as conn:
        await conn.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at <= now - LAST_USED_RESOLUTION,
                ),
            )
            .values(last_used_at=now)
        )


async def refresh_token_for_update(session: AsyncSession, token: str) -> RefreshToken | None:
    result = await session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == token_hash(token)).with_for_update()
    )
    return result.scalar_one_or_none()


async def revoke_family(session: AsyncSession, family: object) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def revoke_refresh_tokens(session: AsyncSession, user_id: int) -> None:
    """Revoke every refresh token of the user: each of their sign-ins ends at its next refresh."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def api_tokens(session: AsyncSession, user_id: int) -> list[ApiToken]:
    result = await session.execute(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
    )
    return list(result.scalars())


async def api_token(session: AsyncSession, user_id: int, token_id: int) -> ApiToken | None:
    result = await session.execute(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
    )
    return result.scalar_one_or_none()
