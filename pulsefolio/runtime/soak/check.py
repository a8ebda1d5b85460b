"""The end-of-run checks, straight against PostgreSQL.

* every acknowledged write is stored exactly once (by its user and ``Idempotency-Key``) with the
  quantity that was sent;
* every position of the run's accounts equals the sum of the stored transactions' quantities
  (the run only buys), and no position exists without transactions.

A write that was stored but never acknowledged (its answer lost to a fault) is allowed and
counted: the client could not know, and its retry would have found it by its key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg

from pulsefolio.runtime.soak.load import Acked

STORED = """
SELECT user_id, idempotency_key, account_id, asset_id, quantity
FROM transactions WHERE account_id = ANY($1::bigint[])
"""
SUMS = """
SELECT coalesce(t.account_id, p.account_id) AS account_id,
       coalesce(t.asset_id, p.asset_id) AS asset_id,
       t.total, p.quantity
FROM (SELECT account_id, asset_id, sum(quantity) AS total FROM transactions
      WHERE account_id = ANY($1::bigint[]) AND type = 'BUY' GROUP BY account_id, asset_id) t
FULL JOIN (SELECT account_id, asset_id, quantity FROM positions
           WHERE account_id = ANY($1::bigint[])) p
  ON p.account_id = t.account_id AND p.asset_id = t.asset_id
"""


@dataclass
class CheckReport:
    acknowledged: int = 0
    stored: int = 0
    stored_unacknowledged: int = 0
    positions_checked: int = 0
    missing: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    position_mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.altered or self.position_mismatches)

    def summary(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "acknowledged": self.acknowledged,
            "stored": self.stored,
            "stored_unacknowledged": self.stored_unacknowledged,
            "positions_checked": self.positions_checked,
            "missing": self.missing[:20],
            "duplicated": self.duplicated[:20],
            "altered": self.altered[:20],
            "position_mismatches": self.position_mismatches[:20],
        }


async def check(
    database_url: str, acked: Sequence[Acked], account_ids: Sequence[int]
) -> CheckReport:
    """Compare what was acknowledged with what PostgreSQL holds."""
    conn = await asyncpg.connect(database_url)
    try:
        stored = await conn.fetch(STORED, list(account_ids))
        sums = await conn.fetch(SUMS, list(account_ids))
    finally:
        await conn.close()
    report = CheckReport(acknowledged=len(acked), stored=len(stored))
    by_key: dict[tuple[int, str], list[asyncpg.Record]] = {}
    for row in stored:
        by_key.setdefault((row["user_id"], row["idempotency_key"]), []).append(row)
    for write in acked:
        rows = by_key.get((write.user_id, write.key), [])
        if not rows:
            report.missing.append(write.key)
        elif len(rows) > 1:
            report.duplicated.append(write.key)
        elif (rows[0]["account_id"], rows[0]["asset_id"], rows[0]["quantity"]) != (
            write.account_id, write.asset_id, write.quantity
        ):  # fmt: skip
            report.altered.append(write.key)
    report.stored_unacknowledged = len(by_key.keys() - {(w.user_id, w.key) for w in acked})
    report.duplicated += [key for (_, key), rows in by_key.items() if len(rows) > 1]
    for row in sums:
        report.positions_checked += 1
        total, held = row["total"] or Decimal(0), row["quantity"] or Decimal(0)
        if total != held:
            report.position_mismatches.append(
                f"account {row['account_id']} asset {row['asset_id']}: transactions {total}, "
                f"position {held}"
            )
    report.duplicated = sorted(set(report.duplicated))
    return report
