"""Reading an account's positions: only the owner may."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.positions import repository, schemas


class PositionService:
    async def of_account(
        self, session: AsyncSession, user: CurrentUser, account_id: int, *, include_empty: bool
    ) -> schemas.AccountPositions:
        """Positions and cash of the caller's account; NotFound for anyone else's."""
        await accounts.get(session, user, account_id)
        rows = await repository.positions_of(session, account_id, include_empty=include_empty)
        cash = await repository.cash_of(session, account_id)
        return schemas.AccountPositions(
            account_id=account_id,
            positions=[schemas.Position.model_validate(dict(row)) for row in rows],
            cash=[schemas.Cash(currency=c.currency, balance=c.balance) for c in cash],
        )


positions = PositionService()
