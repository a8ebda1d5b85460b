"""The portfolio answer's total is its holdings plus its cash exactly as shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.fixtures import (  # tests/portfolio/engine (rootdir-relative test package)
    NOW,
    store_price,
    wait_for,
)


async def test_total_is_holdings_plus_cash_as_shown(make_user, make_asset, db) -> None:  # type: ignore[no-untyped-def]
    # BUY 1 @ 1.125 (an implicit deposit: cash 0), then DEPOSIT 1.125: cash 1.125; the stored
    # price 1.125 values the holding at 1.125. Total 2.25. Each part alone rounds half-even
    # to 1.12, and 1.12 + 1.12 = 2.24 != 2.25; shown as total 2.25, cash 1.12, holdings
    # 2.25 - 1.12 = 1.13.
    half = await make_asset("HALF")
    async with db.begin() as conn:
        await store_price(conn, half, "1.125", "1.125", NOW - timedelta(seconds=30), "USD")
    user: Any = await make_user()
    created = await user.client.post("/api/v1/accounts", json={"name": "A", "currency": "USD"})
    acc = int(created.json()["id"])
    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    for body in (
        {"type": "BUY", "asset_id": half, "quantity": "1", "price": "1.125"},
        {"type": "DEPOSIT", "amount": "1.125"},
    ):
        answer = await user.client.post(
            f"/api/v1/accounts/{acc}/transactions", json={**body, "executed_at": when}
        )
        assert answer.status_code == 201, answer.text

    body = await wait_for(user.client, "/api/v1/portfolio", "2.25")

    assert (body["holdings_value"], body["cash_value"]) == ("1.13", "1.12")
    assert Decimal(body["holdings_value"]) + Decimal(body["cash_value"]) == Decimal("2.25")
