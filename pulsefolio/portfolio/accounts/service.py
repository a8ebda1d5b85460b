"""Rules of accounts: only the owner sees or changes one; closing stops new transactions.

Another user's account answers NotFound, exactly like an unknown id, so ids reveal nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account
from pulsefolio.core.errors import Conflict, NotFound
from pulsefolio.core.stream import Stream
from pulsefolio.portfolio.accounts import repository
from pulsefolio.portfolio.accounts.schemas import AccountCreate, AccountUpdate
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.ledger import recompute_account
from pulsefolio.portfolio.positions.events import announce, record


class AccountService:
    async def get(
        self, session: AsyncSession, user: CurrentUser, account_id: int, *, lock: bool = False
    ) -> Account:
        """The caller's account; NotFound otherwise."""
        account = await repository.owned(session, user.id, account_id, for_update=lock)
        if account is None:
            raise NotFound("no such account")
        return account

    async def list(
        self, session: AsyncSession, user: CurrentUser, *, include_closed: bool
    ) -> list[Account]:
        return await repository.of_user(session, user.id, include_closed=include_closed)

    async def create(
        self, session: AsyncSession, stream: Stream, user: CurrentUser, body: AccountCreate
    ) -> Account:
        account = Account(user_id=user.id, **body.model_dump())
        session.add(account)
        await session.flush()
        await record(session, user.id, account.id)
        await session.commit()
        await announce(stream, user.id)
        return account

    async def update(
        self,
        session: AsyncSession,
        stream: Stream,
        user: CurrentUser,
        account_id: int,
        body: AccountUpdate,
    ) -> Account:
        """Rename or change kind or cost method; a new method re-derives the positions."""
        account = await self.get(session, user, account_id, lock=True)
        method = account.cost_method
        for name, value in body.model_dump(exclude_unset=True, exclude_none=True).items():
            setattr(account, name, value)
        if account.cost_method != method:
            await session.flush()
            await recompute_account(session, account.id)
        await record(session, user.id, account.id)
        await session.commit()
        await announce(stream, user.id)
        return account

    async def close(
        self, session: AsyncSession, stream: Stream, user: CurrentUser, account_id: int
    ) -> Account:
        """Mark the account closed; Conflict if it already is."""
        account = await self.get(session, user, account_id, lock=True)
        if account.closed_at is not None:
            raise Conflict("account is already closed")
        account.closed_at = datetime.now(UTC)
        await record(session, user.id, account.id)
        await session.commit()
        await announce(stream, user.id)
        return account


accounts = AccountService()
