"""Rules of access: registration, login, refresh-token rotation, logout, personal API tokens.

Refresh tokens rotate: each use marks the row used and issues a successor in the same family.
A second use of a used token means it leaked, so the whole family is revoked.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import ApiToken, RefreshToken, User
from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.portfolio.auth import repository, schemas
from pulsefolio.portfolio.auth.dependencies import API_TOKEN_PREFIX, CurrentUser
from pulsefolio.portfolio.auth.passwords import Passwords
from pulsefolio.portfolio.auth.ratelimit import check_login


class AuthService:
    async def register(
        self, session: AsyncSession, passwords: Passwords, body: schemas.Register
    ) -> User:
        """Create a user; raises Conflict if the e-mail is taken (in any letter case)."""
        if await repository.user_by_email(session, body.email) is not None:
            raise Conflict("an account with this e-mail already exists")
        user = User(
            email=body.email,
            password_hash=await passwords.hash(body.password),
            base_currency=body.base_currency,
            role=Role.USER,
        )
        session.add(user)
        try:
            await session.commit()
        except IntegrityError as exc:  # a concurrent registration won the unique index
            await session.rollback()
            raise Conflict("an account with this e-mail already exists") from exc
        return user

    async def login(
        self,
        session: AsyncSession,
        settings: Settings,
        passwords: Passwords,
        redis: aioredis.Redis,
        body: schemas.Login,
        address: str,
    ) -> schemas.TokenPair:
        """Tokens for valid credentials; Unauthorized otherwise, RateLimited past the limit."""
        await check_login(redis, settings.namespace, body.email, address)
        user = await repository.user_by_email(session, body.email)
        if not await passwords.verify(user.password_hash if user else None, body.password):
            raise Unauthorized("wrong e-mail or password")
        assert user is not None
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = await passwords.hash(body.password)
        return await self._issue(session, settings, user, uuid.uuid4())

    async def refresh(
        self, session: AsyncSession, settings: Settings, token: str
    ) -> schemas.TokenPair:
        """Rotate a refresh token; Unauthorized if unknown, expired, revoked or reused."""
        row = await repository.refresh_token_for_update(session, token)
        now = datetime.now(UTC)
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized("invalid refresh token")
        if row.used_at is not None:
            await repository.revoke_family(session, row.family)
            await session.commit()
            raise Unauthorized("refresh token reused; please log in again")
        user = await repository.user_by_id(session, row.user_id)
        if user is None:
            raise Unauthorized("invalid refresh token")
        row.used_at = now
        return await self._issue(session, settings, user, row.family, previous=row)

    async def change_password(
        self,
        session: AsyncSession,
        settings: Settings,
        passwords: Passwords,
        redis: aioredis.Redis,
        user: CurrentUser,
        body: schemas.PasswordChange,
        address: str,
    ) -> schemas.TokenPair:
        """Set a new password if ``current_password`` is the caller's, end every sign-in at once
        (refresh tokens revoked, access tokens issued before now refused) and answer a new one.
        Attempts count against the login limit of the caller's e-mail, so a stolen access token
        cannot guess it."""
        await check_login(redis, settings.namespace, user.email, address, "password")
        row = await repository.user_by_id(session, user.id)
        if row is None:
            raise Unauthorized("invalid or revoked token")
        if not await passwords.verify(row.password_hash, body.current_password):
            raise ValidationFailed(
                "current_password: is not your password",
                {"current_password": "is not your password"},
            )
        if body.new_password == body.current_password:
            raise ValidationFailed(
                "new_password: is the current password",
                {"new_password": "is the current password"},
            )
        row.password_hash = await passwords.hash(body.new_password)
        await _end_sessions(session, row)
        return await self._issue(session, settings, row, uuid.uuid4())

    async def end_sessions(self, session: AsyncSession, user: CurrentUser) -> None:
        """Sign the caller out everywhere, this sign-in included: refresh tokens revoked, access
        tokens issued before now refused. Ending the caller's own sign-in too means a stolen
        access token cannot keep a session of its own while it signs the owner out."""
        row = await repository.user_by_id(session, user.id)
        if row is None:
            raise Unauthorized("invalid or revoked token")
        await _end_sessions(session, row)
        await session.commit()

    async def logout(self, session: AsyncSession, token: str) -> None:
        """Revoke the refresh token's family; an unknown token is a no-op."""
        row = await repository.refresh_token_for_update(session, token)
        if row is not None:
            await repository.revoke_family(session, row.family)
            await session.commit()

    async def _issue(
        self,
        session: AsyncSession,
        settings: Settings,
        user: User,
        family: uuid.UUID,
        previous: RefreshToken | None = None,
    ) -> schemas.TokenPair:
        refresh = secrets.token_urlsafe(32)
        row = RefreshToken(
            user_id=user.id,
            family=family,
            token_hash=repository.token_hash(refresh),
            expires_at=datetime.now(UTC) + timedelta(days=settings.refresh_token_days),
        )
        session.add(row)
        await session.flush()
        if previous is not None:
            previous.replaced_by_id = row.id
        await session.commit()
        return schemas.TokenPair(
            access_token=issue_access_token(settings, user.id, user.role),
            refresh_token=refresh,
            expires_in=settings.access_token_minutes * 60,
        )

    async def create_api_token(
        self, session: AsyncSession, user: CurrentUser, body: schemas.ApiTokenCreate
    ) -> schemas.ApiTokenCreated:
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = (
            datetime.now(UTC) + timedelta(days=body.expires_in_days)
            if body.expires_in_days
            else None
        )
        row = ApiToken(
            user_id=user.id,
            name=body.name,
            token_hash=repository.token_hash(token),
            expires_at=expires,
        )
        session.add(row)
        await session.commit()
        await session.refresh(row)
        return schemas.ApiTokenCreated(
            token=token, **schemas.ApiToken.model_validate(row).model_dump()
        )

    async def list_api_tokens(self, session: AsyncSession, user: CurrentUser) -> list[ApiToken]:
        return await repository.api_tokens(session, user.id)

    async def revoke_api_token(
        self, session: AsyncSession, user: CurrentUser, token_id: int
    ) -> None:
        """Revoke one of the caller's tokens; NotFound for another user's or an unknown id."""
        row = await repository.api_token(session, user.id, token_id)
        if row is None:
            raise NotFound("no such API token")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
            await session.commit()


auth = AuthService()


async def _end_sessions(session: AsyncSession, user: User) -> None:
    """Every sign-in made until now ends; the identity trigger tells every instance at once."""
    user.sessions_since = datetime.now(UTC)
    await repository.revoke_refresh_tokens(session, user.id)
