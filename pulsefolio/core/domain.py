"""Vocabulary shared by every service: asset classes, transaction types, roles, price quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class AssetClass(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    MUTUAL_FUND = "mutual_fund"
    BOND = "bond"
    CRYPTO = "crypto"
    CASH = "cash"


class AccountKind(StrEnum):
    BROKERAGE = "brokerage"
    RETIREMENT = "retirement"
    SAVINGS = "savings"
    OTHER = "other"


class CostMethod(StrEnum):
    """Which lots a sale closes: oldest first, newest first, highest unit cost first, at the
    pool's average cost, or the lots the sale names (oldest first when it names none)."""

    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    AVERAGE = "average"
    SPECIFIC = "specific"


class TransactionType(StrEnum):
    BUY = "BUY"
    SELL = "SELL"
    DIVIDEND = "DIVIDEND"
    INTEREST = "INTEREST"
    FEE = "FEE"
    SPLIT = "SPLIT"
    DEPOSIT = "DEPOSIT"
    WITHDRAWAL = "WITHDRAWAL"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """One price of one asset (or FX pair) as a source reported it.

    ``as_of`` is the provider's market time; ``fetched_at`` is when we asked. Both are
    timezone-aware. ``previous_close`` feeds the day change where the provider gives it.
    """

    symbol: str
    price: Decimal
    currency: str
    as_of: datetime
    fetched_at: datetime
    source: str
    previous_close: Decimal | None = None


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of ``quote`` per one unit of ``base`` at ``as_of``, as ``source`` reported it."""

    base: str
    quote: str
    rate: Decimal
    as_of: datetime
    fetched_at: datetime
    source: str

    @property
    def pair(self) -> str:
        return f"{self.base}{self.quote}"
