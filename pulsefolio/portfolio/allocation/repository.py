"""Queries on allocation targets and the drift tolerance."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import AllocationSetting, AllocationTarget, Asset, User


async def targets(session: AsyncSession, user_id: int) -> list[AllocationTarget]:
    query = (
        select(AllocationTarget)
        .where(AllocationTarget.user_id == user_id)
        .order_by(AllocationTarget.dimension, AllocationTarget.weight_percent.desc(),
                  AllocationTarget.key)
    )  # fmt: skip
    return list((await session.execute(query)).scalars())


async def tolerance(session: AsyncSession, user_id: int) -> Decimal | None:
    query = select(AllocationSetting.tolerance_percent).where(AllocationSetting.user_id == user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def lock_user(session: AsyncSession, user_id: int) -> None:
    """Take the user's row lock: replacements of their targets then run one after another."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())


async def replace(
    session: AsyncSession, user_id: int, dimension: str, weights: Iterable[tuple[str, Decimal]]
) -> None:
    await session.execute(
        delete(AllocationTarget).where(
            AllocationTarget.user_id == user_id, AllocationTarget.dimension == dimension
        )
    )
    session.add_all(
        AllocationTarget(user_id=user_id, dimension=dimension, key=key, weight_percent=weight)
        for key, weight in weights
    )


async def set_tolerance(session: AsyncSession, user_id: int, value: Decimal) -> None:
    statement = insert(AllocationSetting).values(user_id=user_id, tolerance_percent=value)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AllocationSetting.user_id],
            set_={"tolerance_percent": statement.excluded.tolerance_percent},
        )
    )


async def existing_assets(session: AsyncSession, ids: Iterable[int]) -> set[int]:
    wanted = list(ids)
    if not wanted:
        return set()
    return set((await session.execute(select(Asset.id).where(Asset.id.in_(wanted)))).scalars())
