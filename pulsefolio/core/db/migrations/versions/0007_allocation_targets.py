"""Target allocations: ``allocation_targets`` (weights per user, dimension and key) and
``allocation_settings`` (the drift tolerance per user).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _per_user(
    table: str, *columns: sa.Column[object], key: tuple[str, ...], check: dict[str, str]
) -> None:
    """A table of one user's rows: ``user_id`` cascades from users, ``check`` names CHECKs."""
    op.create_table(
        table,
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        *columns,
        *(sa.CheckConstraint(rule, name=op.f(f"ck_{table}_{n}")) for n, rule in check.items()),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", *key, name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    _per_user(
        "allocation_targets",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("weight_percent", sa.Numeric(7, 4), nullable=False),
        key=("dimension", "key"),
        check={
            "dimension_known": "dimension IN ('asset_class', 'currency', 'holding')",
            "weight_in_range": "weight_percent >= 0 AND weight_percent <= 100",
        },
    )
    _per_user(
        "allocation_settings",
        sa.Column("tolerance_percent", sa.Numeric(7, 4), nullable=False),
        key=(),
        check={"tolerance_in_range": "tolerance_percent >= 0 AND tolerance_percent <= 100"},
    )


def downgrade() -> None:
    op.drop_table("allocation_settings")
    op.drop_table("allocation_targets")
