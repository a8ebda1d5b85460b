"""The ledger entry: one transaction as plain data, the input of every function here.

Conventions
-----------
* Every number is a :class:`~decimal.Decimal`; ``executed_at`` is timezone-aware.
* ``currency`` is the currency the entry settles in (the asset's trading currency for
  BUY, SELL and SPLIT, the cash currency otherwise).
* ``fx_rate`` is units of the base currency per unit of ``currency`` on the trade date
  (1 when ``currency`` is the base currency). Base-currency cost basis always uses it.
* Amounts by type:

  ======================  ==========================================  =================
  type                    gross amount                                cash effect
  ======================  ==========================================  =================
  BUY                     ``quantity * price``                        ``-(gross + fee)``
  SELL                    ``quantity * price`` (proceeds)             ``+(gross - fee)``
  DIVIDEND, INTEREST      ``quantity * price`` (e.g. shares x amount  ``+(gross - fee)``
                          per share, or 1 x total)
  DEPOSIT                 ``quantity * price`` (usually 1 x amount)   ``+(gross - fee)``
  WITHDRAWAL              ``quantity * price``                        ``-(gross + fee)``
  FEE                     ``fee`` (quantity and price are ignored)    ``-fee``
  SPLIT                   none; ``split = (numerator, denominator)``  ``-fee``
  ======================  ==========================================  =================

  A 2:1 split is ``(2, 1)`` (one share becomes two); a 1:10 reverse split is ``(1, 10)``.
  Split quantities are ``quantity * numerator / denominator`` rounded half-even to the
  quantity column's scale (:func:`LedgerEntry.split_quantity`), never a rounded factor
  times the quantity: 3 units after a 1:3 split are exactly 1.
* Entries are ordered by ``(executed_at, id)``: time first, the id breaking ties, so the
  same ledger always replays the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import QUANTITY_NUMERIC, ZERO, is_currency

ONE = Decimal(1)
QUANTITY_QUANTUM = Decimal(1).scaleb(-QUANTITY_NUMERIC[1])

ASSET_TYPES = frozenset(
    {TransactionType.BUY, TransactionType.SELL, TransactionType.SPLIT, TransactionType.DIVIDEND}
)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One transaction of one account; see the module docstring for the amount conventions."""

    id: int | str
    type: TransactionType
    executed_at: datetime
    symbol: str | None
    quantity: Decimal
    price: Decimal
    fee: Decimal
    currency: str
    split: tuple[Decimal, Decimal] | None = None
    fx_rate: Decimal = ONE
    account: str = ""
    lots: tuple[tuple[int | str, Decimal], ...] = ()  # a SELL's named lots and quantities

    @property
    def gross(self) -> Decimal:
        """``quantity * price``; zero for FEE and SPLIT."""
        if self.type in (TransactionType.FEE, TransactionType.SPLIT):
            return ZERO
        return self.quantity * self.price

    @property
    def cash_effect(self) -> Decimal:
        """Signed change of the account's cash in ``currency`` (before implicit deposits)."""
        t = self.type
        if t in (TransactionType.BUY, TransactionType.WITHDRAWAL):
            return -(self.gross + self.fee)
        if t in (TransactionType.FEE, TransactionType.SPLIT):
            return -self.fee
        return self.gross - self.fee

    @property
    def split_factor(self) -> Decimal:
        """Quantity multiplier of a SPLIT: ``numerator / denominator`` (for float arrays;
        exact quantities use :meth:`split_quantity`)."""
        if self.split is None:
            return ONE
        return self.split[0] / self.split[1]

    def split_quantity(self, quantity: Decimal) -> Decimal:
        """``quantity`` after this SPLIT, at the quantity column's scale."""
        if self.split is None:
            return quantity
        scaled = quantity * self.split[0] / self.split[1]
        return scaled.quantize(QUANTITY_QUANTUM, rounding=ROUND_HALF_EVEN)


def sort_key(entry: LedgerEntry) -> tuple[datetime, int, int | str]:
    """Replay order: time, then id (integers before strings so mixed ids still compare)."""
    return (entry.executed_at, 0 if isinstance(entry.id, int) else 1, entry.id)


def ordered(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """The entries in replay order."""
    return sorted(entries, key=sort_key)


def fail(entry: LedgerEntry, field: str, reason: str) -> ValidationFailed:
    """A :class:`ValidationFailed` naming the entry, the field and the reason."""
    return ValidationFailed(f"transaction {entry.id}: {field} {reason}", {field: reason})


def check_entry(entry: LedgerEntry) -> None:
    """Check what can be checked of one entry alone; raise :class:`ValidationFailed`."""
    if entry.executed_at.tzinfo is None or entry.executed_at.utcoffset() is None:
        raise fail(entry, "executed_at", "must be timezone-aware")
    if not is_currency(entry.currency):
        raise fail(entry, "currency", f"is not a currency code: {entry.currency!r}")
    for name in ("quantity", "price", "fee", "fx_rate"):
        value = getattr(entry, name)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise fail(entry, name, "must be a finite decimal")
    if entry.fee < 0:
        raise fail(entry, "fee", "must not be negative")
    if entry.fx_rate <= 0:
        raise fail(entry, "fx_rate", "must be positive")
    t = entry.type
    if t in ASSET_TYPES and not entry.symbol:
        raise fail(entry, "symbol", f"is required for {t.value}")
    if t is TransactionType.SPLIT:
        _check_split(entry)
        return
    if t is TransactionType.FEE:
        return
    if t in (TransactionType.BUY, TransactionType.SELL) and entry.quantity <= 0:
        raise fail(entry, "quantity", "must be positive")
    if entry.quantity < 0:
        raise fail(entry, "quantity", "must not be negative")
    if entry.price < 0:
        raise fail(entry, "price", "must not be negative")


def _check_split(entry: LedgerEntry) -> None:
    if entry.split is None or len(entry.split) != 2:
        raise fail(entry, "split", "needs a ratio (numerator, denominator)")
    num, den = entry.split
    if not (isinstance(num, Decimal) and isinstance(den, Decimal)):
        raise fail(entry, "split", "ratio sides must be decimals")
    if not (num.is_finite() and den.is_finite()) or num <= 0 or den <= 0:
        raise fail(entry, "split", f"ratio sides must be positive, got {num}:{den}")
