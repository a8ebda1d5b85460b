"""The tax-lot report as CSV: a header row, then one row per closed lot portion."""

from __future__ import annotations

import csv
import io

from pulsefolio.portfolio.reports.schemas import TaxLots

COLUMNS = (
    "account_id", "account_name", "asset_id", "symbol", "lot_id", "sale_id", "acquired",
    "disposed", "quantity", "holding_period_days", "term", "proceeds", "cost", "fees",
    "gain_gross", "gain_net",
)  # fmt: skip


def tax_lots_csv(report: TaxLots) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*COLUMNS, "base_currency"))
    for row in report.lots:
        data = row.model_dump(mode="json")
        writer.writerow((*(data[c] for c in COLUMNS), report.base_currency))
    return out.getvalue()
