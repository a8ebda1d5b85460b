"""Property: positions and cash written step by step by the ledger equal a replay from scratch.

Random valid ledgers (buys, sales within what is held, splits, dividends, deposits,
withdrawals, some back-dated) are written one transaction at a time through
``apply_transaction`` against the real database, with a random earlier transaction then
deleted when the ledger allows it; the rows must equal what ``recompute_account`` rebuilds
after wiping them, under both cost methods.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.pool import NullPool

from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.db.models import Account, Asset, CashBalance, Position, Transaction, User
from pulsefolio.core.domain import AssetClass, CostMethod, TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.portfolio.ledger import apply_transaction, delete_transaction, recompute_account

T = TransactionType
DAY0 = datetime(2025, 3, 3, 12, tzinfo=UTC)

step = st.tuples(
    st.sampled_from([T.BUY, T.BUY, T.SELL, T.SPLIT, T.DIVIDEND, T.DEPOSIT, T.WITHDRAWAL]),
    st.integers(0, 60),  # day
    st.integers(1, 40),  # quantity or amount
    st.integers(1, 300),  # price
    st.integers(0, 1),  # which asset
)


async def _scenario(url: str, steps: list[tuple[T, int, int, int, int]], method: CostMethod,
                    drop: int) -> None:  # fmt: skip
    engine = create_engine(url, poolclass=NullPool)
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            user = User(email=f"{uuid.uuid4().hex}@p.test", password_hash="x", base_currency="USD")
            session.add(user)
            await session.flush()
            account = Account(user_id=user.id, name="A", currency="USD", cost_method=method)
            assets = [Asset(symbol=uuid.uuid4().hex[:12], name="x", asset_class=AssetClass.STOCK,
                            currency="USD") for _ in range(2)]  # fmt: skip
            session.add_all([account, *assets])
            await session.flush()
            account_id, asset_ids = account.id, [a.id for a in assets]
        written: list[int] = []
        for kind, day, size, price, which in steps:
            fields: dict[str, object] = {"asset_id": asset_ids[which]}
            if kind in (T.BUY, T.SELL):
                fields |= {"quantity": D(size) / 4, "price": D(price) / 8, "fee": D(size) / 100}
            elif kind is T.SPLIT:
                fields |= {
                    "split_numerator": D(1 + size % 3),
                    "split_denominator": D(1 + price % 2),
                }
            elif kind is T.DIVIDEND:
                fields |= {"amount": D(size)}
            else:
                fields = {"amount": D(size * price)}
            tx = Transaction(account_id=account_id, type=kind, currency="USD",
                             executed_at=DAY0 + timedelta(days=day, minutes=len(written)),
                             **fields)  # fmt: skip
            try:
                async with sessions.begin() as session:
                    await apply_transaction(session, tx)
                written.append(tx.id)
            except ValidationFailed:
                pass  # an oversell or a dividend before any purchase: refused, nothing written
        if written:
            try:
                async with sessions.begin() as session:
                    row = await session.get_one(Transaction, written[drop % len(written)])
                    await delete_transaction(session, row)
            except ValidationFailed:
                pass  # the deletion would leave a later sale short

        async def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
            async with sessions() as session:
                positions = await session.execute(
                    select(Position.asset_id, Position.quantity, Position.cost_basis,
                           Position.cost_basis_base, Position.average_cost, Position.realized_gain,
                           Position.dividends, Position.fees)
                    .where(Position.account_id == account_id).order_by(Position.asset_id)
                )  # fmt: skip
                cash = await session.execute(
                    select(CashBalance.currency, CashBalance.balance).where(
                        CashBalance.account_id == account_id
                    )
                )
                return [tuple(r) for r in positions], [tuple(r) for r in cash]

        incremental = await snapshot()
        async with sessions.begin() as session:
            await session.execute(delete(Position).where(Position.account_id == account_id))
            await session.execute(delete(CashBalance).where(CashBalance.account_id == account_id))
            await recompute_account(session, account_id)
        assert await snapshot() == incremental
        assert all(balance >= 0 for _, balance in incremental[1])  # shortfalls are deposits
    finally:
        await engine.dispose()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    method=st.sampled_from(list(CostMethod)),
    drop=st.integers(0, 100),
)
def test_incremental_equals_recompute(
    database_url: str, steps: list[tuple[T, int, int, int, int]], method: CostMethod, drop: int
) -> None:
    asyncio.run(_scenario(database_url, steps, method, drop))
