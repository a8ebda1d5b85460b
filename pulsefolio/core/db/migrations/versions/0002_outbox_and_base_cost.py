"""A durable outbox for stream messages, and positions' cost basis in the base currency.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "positions",
        sa.Column("cost_basis_base", sa.Numeric(precision=20, scale=6), nullable=True),
    )
    op.create_table(
        "stream_outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("dedup_id", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_outbox")),
        sa.UniqueConstraint("dedup_id", name=op.f("uq_stream_outbox_dedup_id")),
    )


def downgrade() -> None:
    op.drop_table("stream_outbox")
    op.drop_column("positions", "cost_basis_base")
