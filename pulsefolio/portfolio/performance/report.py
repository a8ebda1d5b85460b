"""The yearly realized-gains report as CSV, for a tax adviser.

One header row, one row per closed lot portion (a sale closing two lots gives two rows), and
a last ``TOTAL`` row summing the base-currency columns. ``gain_gross`` is proceeds minus cost,
``gain_net`` that minus the portion's fees (its share of the sale fee, and of the purchase fee
when purchase fees are not in the cost basis); amounts in the asset currency, then in the
owner's base currency at the trade-date rates.
"""

from __future__ import annotations

import csv
import io

from pulsefolio.portfolio.performance.schemas import Realized

COLUMNS = (
    "sale_date",
    "opened_date",
    "holding_period_days",
    "symbol",
    "currency",
    "quantity",
    "proceeds",
    "cost",
    "fees",
    "gain_gross",
    "gain_net",
    "base_currency",
    "proceeds_base",
    "cost_base",
    "fees_base",
    "gain_gross_base",
    "gain_net_base",
)


def realized_csv(report: Realized) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for s in report.sales:
        writer.writerow(
            (
                s.date.isoformat(),
                s.opened.isoformat(),
                s.holding_period_days,
                s.symbol,
                s.currency,
                s.quantity,
                s.proceeds,
                s.cost,
                s.fees,
                s.gain_gross,
                s.gain_net,
                report.base_currency,
                s.proceeds_base,
                s.cost_base,
                s.fees_base,
                s.gain_gross_base,
                s.gain_net_base,
            )
        )
    t = report.totals
    writer.writerow(
        (
            "TOTAL",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            report.base_currency,
            t.proceeds_base,
            t.cost_base,
            t.fees_base,
            t.gain_gross_base,
            t.gain_net_base,
        )
    )
    return out.getvalue()
