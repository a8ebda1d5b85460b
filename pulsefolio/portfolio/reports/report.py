"""The reports as CSV, a header row first: the tax-lot report, one row per closed lot portion;
the income report, one row per payment (its own currency's amounts, the trade-date rate, and
the rounded base-currency amounts the JSON report sums)."""

from __future__ import annotations

import csv
import io

from fastapi import Response

from pulsefolio.portfolio.performance.service import money, plain
from pulsefolio.portfolio.reports.income import IncomeReport
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


INCOME_COLUMNS = (
    "date", "account_id", "account_name", "type", "asset_id", "symbol", "currency", "amount",
    "withheld", "fx_rate", "gross", "withholding", "net", "base_currency",
)  # fmt: skip


def income_csv(report: IncomeReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INCOME_COLUMNS)
    base = report.summary.base_currency
    for p in report.payments:
        symbol = "" if p.asset_id is None else report.assets.get(p.asset_id, (str(p.asset_id),))[0]
        writer.writerow((
            p.day.isoformat(), p.account_id, report.account_names.get(p.account_id, ""),
            p.type.value, "" if p.asset_id is None else p.asset_id, symbol, p.currency,
            money(p.amount, p.currency), money(p.withheld, p.currency), plain(p.fx_rate),
            p.gross, p.withholding, p.net, base,
        ))  # fmt: skip
    return out.getvalue()


def csv_download(body: str, filename: str) -> Response:
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
