"""Rules of target allocations: read and replace a user's targets, and value against them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.errors import ValidationFailed
from pulsefolio.portfolio.allocation import repository
from pulsefolio.portfolio.allocation.checks import checked, percent_problem
from pulsefolio.portfolio.allocation.report import allocation
from pulsefolio.portfolio.allocation.schemas import Dimension, Target, Targets, TargetsPut
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.portfolios.service import Valuation

DEFAULT_TOLERANCE = Decimal(5)


class AllocationService:
    async def targets(self, session: AsyncSession, user: CurrentUser) -> Targets:
        rows = await repository.targets(session, user.id)
        by_dimension: dict[Dimension, list[Target]] = {d: [] for d in Dimension}
        for row in rows:
            by_dimension[Dimension(row.dimension)].append(
                Target(key=row.key, weight_percent=row.weight_percent)
            )
        tolerance = await repository.tolerance(session, user.id)
        return Targets(
            tolerance_percent=DEFAULT_TOLERANCE if tolerance is None else tolerance,
            targets=by_dimension,
        )

    async def replace(
        self,
        session: AsyncSession,
        user: CurrentUser,
        body: TargetsPut,
        known_currency: Callable[[str], bool],
    ) -> Targets:
        """Replace one dimension's targets (and the tolerance when given) in one transaction."""
        tolerance = body.tolerance_percent
        if tolerance is not None and (problem := percent_problem(tolerance)) is not None:
            raise ValidationFailed(f"tolerance_percent: {problem}", {"tolerance_percent": problem})
        weights = await checked(
            body.dimension,
            body.targets,
            known_currency,
            lambda ids: repository.existing_assets(session, ids),
        )
        await repository.lock_user(session, user.id)
        await repository.replace(session, user.id, body.dimension.value, weights)
        if body.tolerance_percent is not None:
            await repository.set_tolerance(session, user.id, body.tolerance_percent)
        await session.commit()
        return await self.targets(session, user)

    async def report(
        self,
        session: AsyncSession,
        user: CurrentUser,
        valuation: Valuation,
        dimension: Dimension,
        cash: Decimal | None,
    ) -> dict[str, Any]:
        saved = await self.targets(session, user)
        weights = {t.key: t.weight_percent for t in saved.targets[dimension]}
        return allocation(valuation, dimension, weights, saved.tolerance_percent, cash)


allocation_service = AllocationService()
