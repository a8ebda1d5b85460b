"""Ledger entries for tests, written as compactly as the hand-computed cases need."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pulsefolio.core.domain import TransactionType
from pulsefolio.portfolio.valuation.ledger import LedgerEntry

T = TransactionType
DAY0 = datetime(2024, 1, 1, 12, tzinfo=UTC)


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def entry(
    id: int,
    type: TransactionType,
    day: int,
    symbol: str | None = None,
    quantity: str | int = 0,
    price: str | int = 0,
    fee: str | int = 0,
    currency: str = "USD",
    split: tuple[str | int, str | int] | None = None,
    fx: str | int = 1,
    account: str = "",
) -> LedgerEntry:
    """An entry ``day`` days after 2024-01-01 12:00 UTC."""
    return LedgerEntry(
        id=id,
        type=type,
        executed_at=DAY0 + timedelta(days=day),
        symbol=symbol,
        quantity=D(quantity),
        price=D(price),
        fee=D(fee),
        currency=currency,
        split=(D(split[0]), D(split[1])) if split else None,
        fx_rate=D(fx),
        account=account,
    )
