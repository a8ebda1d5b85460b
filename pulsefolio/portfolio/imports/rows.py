"""What a parser hands on: one parsed row per data row, or the reasons it could not be read.

Both file formats are reduced to :class:`ParsedRow` before anything touches the database, so
the rules that resolve accounts and symbols and apply the ledger are written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pulsefolio.core.domain import TransactionType

TEXT_FIELDS = ("account", "account_currency", "symbol", "currency", "note")


@dataclass(frozen=True, slots=True)
class RowError:
    """One reason one row is refused; ``row`` 0 is the file as a whole (a missing column)."""

    row: int
    field: str
    reason: str


@dataclass(slots=True)
class ParsedRow:
    """A row as the file states it; names (account, symbol) are resolved later."""

    row: int
    type: TransactionType
    executed_at: datetime
    account: str | None = None
    account_currency: str | None = None
    symbol: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal = Decimal(0)
    amount: Decimal | None = None
    currency: str | None = None
    split_numerator: Decimal | None = None
    split_denominator: Decimal | None = None
    note: str | None = None


@dataclass(slots=True)
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def refuse_nul(self) -> Parsed:
        """Rows whose text holds a NUL character (PostgreSQL text cannot) become errors."""
        kept: list[ParsedRow] = []
        for row in self.rows:
            texts = {name: getattr(row, name) for name in TEXT_FIELDS}
            bad = [name for name, value in texts.items() if value and "\0" in value]
            self.errors.extend(RowError(row.row, name, "contains a NUL character") for name in bad)
            if not bad:
                kept.append(row)
        self.rows = kept
        return self


class RowProblems:
    """Collects the reasons one row is bad, so every bad field of a row is reported at once."""

    def __init__(self, row: int) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def add(self, field: str, reason: str) -> None:
        self.errors.append(RowError(self.row, field, reason))
