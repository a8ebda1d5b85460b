"""The portfolio's day-change percent: null where no holding has a previous close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.fixtures import NOW, wait_for  # tests/portfolio/engine (rootdir-relative test package)
from sqlalchemy import text


async def manual_price(db: Any, asset: int, price: str, previous: str | None) -> None:
    """A manual price as the asset service stores it (``price_history``, source manual)."""
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO price_history (asset_id, as_of, source, price, currency,"
                " previous_close) VALUES (:a, :t, 'manual', :p, 'USD', :pc)"
            ),
            {"a": asset, "t": NOW - timedelta(seconds=30), "p": Decimal(price),
             "pc": None if previous is None else Decimal(previous)},
        )  # fmt: skip


async def buy(user: Any, asset: int, quantity: str, price: str) -> None:
    created = await user.client.post("/api/v1/accounts", json={"name": "A", "currency": "USD"})
    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    answer = await user.client.post(
        f"/api/v1/accounts/{created.json()['id']}/transactions",
        json={"type": "BUY", "asset_id": asset, "quantity": quantity, "price": price,
              "executed_at": when},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text


async def test_no_previous_close_no_percent(make_user, make_asset, db) -> None:  # type: ignore[no-untyped-def]
    # HOUSE priced by hand at 200 without a previous close: the holding's day change percent
    # is null, and so is the portfolio's (it read 0.0000: 0 change over 200).
    house = await make_asset("HOUSE")
    await manual_price(db, house, "200", None)
    user: Any = await make_user()
    await buy(user, house, "1", "150")

    body = await wait_for(user.client, "/api/v1/portfolio", "200.00")

    (row,) = body["holdings"]
    assert (row["day_change"], row["day_change_percent"]) == ("0.00", None)
    assert body["day_change"] == {"amount": "0.00", "percent": None}


async def test_a_manual_previous_close_gives_a_day_change(make_user, make_asset, db) -> None:  # type: ignore[no-untyped-def]
    # HOUSE at 200, previous close 160 entered with it: 2 * 40 = 80 on 2 * 160 = 320: 25 %.
    house = await make_asset("HOUSE")
    await manual_price(db, house, "200", "160")
    user: Any = await make_user()
    await buy(user, house, "2", "150")

    body = await wait_for(user.client, "/api/v1/portfolio", "400.00")

    (row,) = body["holdings"]
    assert (row["day_change"], row["day_change_percent"]) == ("80.00", "25.0000")
    assert body["day_change"] == {"amount": "80.00", "percent": "25.0000"}
