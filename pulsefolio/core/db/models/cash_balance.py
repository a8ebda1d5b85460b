"""Cash per account and currency, derived from the transactions like positions are.

An account may hold several currencies (a USD account buying a EUR share pays in EUR). The
balance may be negative: the ledger does not require a DEPOSIT before a BUY.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, money_type, timestamp_type


class CashBalance(Base):
    __tablename__ = "cash_balances"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    balance: Mapped[Decimal] = mapped_column(money_type())
    updated_at: Mapped[datetime] = mapped_column(
        timestamp_type(), server_default=func.now(), onupdate=func.now()
    )
