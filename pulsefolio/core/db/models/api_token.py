"""Personal API tokens for scripts: only a hash of the token is stored; revoking keeps the row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, String
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at, timestamp_type


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None] = mapped_column(timestamp_type())
    expires_at: Mapped[datetime | None] = mapped_column(timestamp_type())
    revoked_at: Mapped[datetime | None] = mapped_column(timestamp_type())
