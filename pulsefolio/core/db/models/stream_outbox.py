"""Messages accepted for the stream but not yet acknowledged by it.

The asset service writes a batch here in the same database transaction as its price history,
then publishes and deletes. A message survives a stream outage and a crash of the service;
the stream's deduplication on ``dedup_id`` makes a publish repeated after a crash harmless.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Identity, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base, created_at


class StreamOutbox(Base):
    __tablename__ = "stream_outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=False), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    dedup_id: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created_at()
