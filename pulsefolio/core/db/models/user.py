"""Users: who logs in, in which currency they see their portfolio, and their role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at, currency_type, enum_type
from pulsefolio.core.domain import Role


class User(Base):
    """E-mail is unique regardless of case (a unique index on ``lower(email)``)."""

    __tablename__ = "users"
    __table_args__ = (
        Index("ux_users_email_lower", text("lower(email)"), unique=True),
        CheckConstraint("base_currency ~ '^[A-Z]{3}$'", name="base_currency_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(Text)
    base_currency: Mapped[str] = mapped_column(currency_type(), default="USD", server_default="USD")
    role: Mapped[Role] = mapped_column(
        enum_type(Role, "role"), default=Role.USER, server_default=Role.USER.value
    )
    created_at: Mapped[datetime] = created_at()
    # Access tokens issued before this (a password change) are refused.
    sessions_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
