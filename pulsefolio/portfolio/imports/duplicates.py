"""Rows of an upload that are already booked.

A broker's export is often imported again later with more rows at its end, or twice by
mistake; without an ``Idempotency-Key`` (which only a retry of the same upload carries) each
such row would be booked a second time. A row is already booked when its account holds a
transaction, booked before this upload, with the same type, asset, moment, quantity, price,
fee, amount, currency and split ratio. Matches are counted: two equal rows of one file (two
equal trades on one day) are two rows, and each is already booked only if the account holds
two such transactions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Transaction

# compared as values: Decimal("1.50") and Decimal("1.5") are one quantity, aware datetimes one
# moment whatever their offset, and a type the same as its text (a StrEnum)
_COMPARED = (
    "account_id", "type", "asset_id", "executed_at", "quantity", "price", "fee", "amount",
    "currency", "split_numerator", "split_denominator",
)  # fmt: skip
_COLUMNS = [getattr(Transaction, name) for name in _COMPARED]


class Booked:
    """The transactions already booked that an upload's rows may repeat."""

    def __init__(self, found: Counter[tuple[Hashable, ...]]) -> None:
        self._left = found

    @classmethod
    async def load(
        cls, session: AsyncSession, user_id: int, candidates: list[Transaction]
    ) -> Booked:
        """Read before any of ``candidates`` is flushed, so that none matches itself."""
        accounts = {tx.account_id for tx in candidates if tx.account_id is not None}
        if not accounts:
            return cls(Counter())
        moments = [tx.executed_at for tx in candidates]
        query = select(*_COLUMNS).where(
            Transaction.user_id == user_id,
            Transaction.account_id.in_(sorted(accounts)),
            Transaction.executed_at.between(min(moments), max(moments)),
        )
        rows = (await session.execute(query)).all()
        return cls(Counter(tuple(row) for row in rows))

    def take(self, tx: Transaction) -> bool:
        """Whether ``tx`` repeats a booked transaction not yet matched by an earlier row."""
        key = tuple(getattr(tx, name) for name in _COMPARED)
        if self._left[key] <= 0:
            return False
        self._left[key] -= 1
        return True
