"""Accounts: a user's brokerage, retirement or savings account, each in one currency."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import (
    Base,
    created_at,
    currency_type,
    enum_type,
    timestamp_type,
)
from pulsefolio.core.domain import AccountKind, CostMethod


class Account(Base):
    """``(id, user_id)`` is unique so transactions can reference both and never disagree."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("id", "user_id"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(currency_type())
    kind: Mapped[AccountKind] = mapped_column(
        enum_type(AccountKind, "kind"),
        default=AccountKind.BROKERAGE,
        server_default=AccountKind.BROKERAGE.value,
    )
    cost_method: Mapped[CostMethod] = mapped_column(
        enum_type(CostMethod, "cost_method"),
        default=CostMethod.FIFO,
        server_default=CostMethod.FIFO.value,
    )
    closed_at: Mapped[datetime | None] = mapped_column(timestamp_type())
    created_at: Mapped[datetime] = created_at()
