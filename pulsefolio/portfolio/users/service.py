"""Reading and updating the current user."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import User
from pulsefolio.core.domain import Role
from pulsefolio.core.errors import NotFound
from pulsefolio.core.stream import Stream
from pulsefolio.portfolio.auth import repository
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.ledger import recompute_user_positions
from pulsefolio.portfolio.positions.events import announce, record
from pulsefolio.portfolio.users.schemas import MeUpdate


async def set_role(session: AsyncSession, email: str, role: Role) -> Role:
    """Give the user with ``email`` (any case) ``role`` in one transaction; return the role
    they had. NotFound if nobody has that e-mail. The update's trigger notifies every running
    portfolio instance, which drops the identity it cached (see ``auth.changes``)."""
    row = await repository.user_by_email(session, email.strip())
    if row is None:
        raise NotFound(f"no user with e-mail {email.strip()}")
    before = row.role
    row.role = role
    await session.commit()
    return before


class UserService:
    async def get(self, session: AsyncSession, user: CurrentUser) -> User:
        row = await repository.user_by_id(session, user.id)
        if row is None:
            raise NotFound("no such user")
        return row

    async def update(
        self, session: AsyncSession, stream: Stream, user: CurrentUser, body: MeUpdate
    ) -> User:
        """Apply the changes; a new base currency recomputes the positions' base cost (in the
        same transaction) and makes every instance revalue the user."""
        row = await self.get(session, user)
        changed = body.base_currency is not None and body.base_currency != row.base_currency
        if body.base_currency is not None:
            row.base_currency = body.base_currency
        if changed:
            await session.flush()
            await recompute_user_positions(session, user.id)
            await record(session, user.id)
        await session.commit()
        if changed:
            await announce(stream, user.id)
        return row


users = UserService()
