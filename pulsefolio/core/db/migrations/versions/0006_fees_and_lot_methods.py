"""Fees in full on positions, more lot-selection methods, and sales that name their lots.

* ``positions`` keeps every fee paid apart: ``purchase_fees`` (all purchases' fees),
  ``sale_fees`` and ``withholding`` (``fees`` still holds every fee not in the cost basis), and
  ``open_purchase_fees`` (``_base``: in the base currency), the part of the cost basis that is
  purchase fees, so a reader can show the cost without them. Existing rows start at zero and
  are rewritten from the ledger here.
* ``accounts.cost_method`` also takes ``lifo``, ``hifo`` and ``specific``.
* ``transactions.lots``: the lots a SELL names (``[{"lot_id": 12, "quantity": "5"}]``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FEE_COLUMNS = ("purchase_fees", "sale_fees", "withholding", "open_purchase_fees")
METHODS = "'fifo', 'lifo', 'hifo', 'average', 'specific'"


def upgrade() -> None:
    for name in FEE_COLUMNS:
        op.add_column(
            "positions",
            sa.Column(name, sa.Numeric(20, 6), server_default="0", nullable=False),
        )
    op.add_column(
        "positions", sa.Column("open_purchase_fees_base", sa.Numeric(20, 6), nullable=True)
    )
    op.drop_constraint(op.f("ck_accounts_cost_method"), "accounts", type_="check")
    op.create_check_constraint(
        op.f("ck_accounts_cost_method"), "accounts", f"cost_method IN ({METHODS})"
    )
    op.add_column("transactions", sa.Column("lots", postgresql.JSONB(), nullable=True))
    # Rows written before: the fee split is derived again from the ledger on the next write;
    # until then purchase fees are read from the transactions here.
    op.execute(
        "UPDATE positions p SET purchase_fees = t.buy, sale_fees = t.sell, withholding = t.div "
        "FROM (SELECT account_id, asset_id,"
        " coalesce(sum(fee) FILTER (WHERE type = 'BUY'), 0) AS buy,"
        " coalesce(sum(fee) FILTER (WHERE type = 'SELL'), 0) AS sell,"
        " coalesce(sum(fee) FILTER (WHERE type = 'DIVIDEND'), 0) AS div"
        " FROM transactions WHERE asset_id IS NOT NULL GROUP BY account_id, asset_id) t "
        "WHERE p.account_id = t.account_id AND p.asset_id = t.asset_id"
    )


def downgrade() -> None:
    op.drop_column("transactions", "lots")
    op.execute(
        "UPDATE accounts SET cost_method = 'fifo' WHERE cost_method NOT IN ('fifo', 'average')"
    )
    op.drop_constraint(op.f("ck_accounts_cost_method"), "accounts", type_="check")
    op.create_check_constraint(
        op.f("ck_accounts_cost_method"), "accounts", "cost_method IN ('fifo', 'average')"
    )
    for name in (*FEE_COLUMNS, "open_purchase_fees_base"):
        op.drop_column("positions", name)
