"""Refresh tokens, stored hashed.

Each refresh rotates the token: the old row gets ``used_at`` and ``replaced_by_id``. Tokens of
one login share a ``family``, so a reused (stolen) token can revoke its whole family.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Identity, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at, timestamp_type


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(timestamp_type())
    used_at: Mapped[datetime | None] = mapped_column(timestamp_type())
    revoked_at: Mapped[datetime | None] = mapped_column(timestamp_type())
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("refresh_tokens.id", ondelete="SET NULL")
    )
