"""``/api/v1/reports/tax-lots``: the caller's closed lots of a year, JSON and CSV.

Account 1: BUY 10 @ 50 with fee 1 on 2024-12-01, BUY 10 @ 80 on 2025-11-20, SELL 15 @ 100 with
fee 3 on 2025-12-10. FIFO closes all of lot 1 (held 374 days: long-term; proceeds 1000, cost
501, fee 2: gross 499, net 497) and 5 of lot 2 (20 days: short; 500, 400, 1: 100, 99).
Account 2 (LIFO): BUY 4 @ 10 in 2025, SELL 1 @ 12 in 2026: not in the 2025 report.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .test_endpoints import MakeAsset, MakeUser, account, post


async def _trades(user: Any, asset: int) -> tuple[int, int]:
    first, second = await account(user, "USD"), await account(user, "USD", "lifo")
    for acc, when, body in (
        (first, "2024-12-01", {"type": "BUY", "quantity": "10", "price": "50", "fee": "1"}),
        (first, "2025-11-20", {"type": "BUY", "quantity": "10", "price": "80"}),
        (first, "2025-12-10", {"type": "SELL", "quantity": "15", "price": "100", "fee": "3"}),
        (second, "2025-03-01", {"type": "BUY", "quantity": "4", "price": "10"}),
        (second, "2026-01-05", {"type": "SELL", "quantity": "1", "price": "12"}),
    ):
        await post(user, acc, asset_id=asset, executed_at=f"{when}T15:00:00+00:00", **body)
    return first, second


async def test_tax_lots_json_and_csv(make_user: MakeUser, make_asset: MakeAsset) -> None:
    user, stranger = await make_user(), await make_user()
    asset = await make_asset("TAXL")
    first, _ = await _trades(user, asset)
    await _trades(stranger, asset)

    report = (await user.client.get("/api/v1/reports/tax-lots?year=2025")).json()
    response = await user.client.get("/api/v1/reports/tax-lots?year=2025&format=csv")

    figures = ("acquired", "disposed", "quantity", "holding_period_days", "term", "proceeds",
               "cost", "fees", "gain_gross", "gain_net")  # fmt: skip
    assert [tuple(lot[f] for f in figures) for lot in report["lots"]] == [
        ("2024-12-01", "2025-12-10", "10", 374, "long", "1000.00", "501.00", "2.00", "499.00",
         "497.00"),
        ("2025-11-20", "2025-12-10", "5", 20, "short", "500.00", "400.00", "1.00", "100.00",
         "99.00"),
    ]  # fmt: skip
    assert {lot["account_id"] for lot in report["lots"]} == {first}
    assert report["totals"] == {"lots": 2, "proceeds": "1500.00", "cost": "901.00", "fees": "3.00",
                                "gain_gross": "599.00", "gain_net": "596.00"}  # fmt: skip
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [{f: row[f] for f in figures} for row in rows] == [
        {f: str(lot[f]) for f in figures} for lot in report["lots"]
    ]
    later = (await user.client.get("/api/v1/reports/tax-lots?year=2026")).json()
    assert [(lot["quantity"], lot["gain_net"], lot["term"]) for lot in later["lots"]] == [
        ("1", "2.00", "short")
    ]
    anonymous = await user.client.get(
        "/api/v1/reports/tax-lots", headers={"Authorization": "Bearer nope"}
    )
    assert anonymous.status_code == 401
