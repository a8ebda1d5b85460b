"""Amounts at their currency's minor unit, and realized rows and totals that add up as shown."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

from engine.fixtures import wait_for  # tests/portfolio/engine (rootdir-relative test package)
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_endpoints import account, at, post, prices, rates

MakeUser = Callable[..., Awaitable[Any]]
MakeAsset = Callable[..., Awaitable[int]]
D0 = date(2026, 2, 2)


async def test_realized_rows_and_total_add_up(make_user: MakeUser, make_asset: MakeAsset) -> None:
    # 3 x BUY 1 @ 10.005, SELL 3 @ 20 fee 0.03: each lot closes with proceeds 20, cost 10.005
    # and fee 0.03 / 3 = 0.01. Rounded (half-even): 20.00, 10.00, 0.01, so each row's gain is
    # 20.00 - 10.00 - 0.01 = 9.99 (not 9.985 -> 9.98), and the total adds the rows:
    # proceeds 3 * 20.00 = 60.00, cost 3 * 10.00 = 30.00, fees 0.03, gain 3 * 9.99 = 29.97
    # (not 60 - 30.015 - 0.03 = 29.955 -> 29.96).
    user, acme = await make_user(), await make_asset("ACME")
    acc = await account(user, "USD")
    for hour in (10, 11, 12):
        await post(user, acc, type="BUY", asset_id=acme, quantity="1", price="10.005",
                   executed_at=at(D0, hour))  # fmt: skip
    await post(user, acc, type="SELL", asset_id=acme, quantity="3", price="20", fee="0.03",
               executed_at=at(D0 + timedelta(days=1)))  # fmt: skip

    url = f"/api/v1/accounts/{acc}/realized?year=2026"
    report = (await user.client.get(url)).json()
    rows = list(csv.reader(io.StringIO((await user.client.get(f"{url}&format=csv")).text)))

    columns = ("proceeds", "cost", "fees", "gain_gross", "gain_net")
    for sale in report["sales"]:
        assert [sale[c] for c in columns] == ["20.00", "10.00", "0.01", "10.00", "9.99"]
        assert [sale[f"{c}_base"] for c in columns] == ["20.00", "10.00", "0.01", "10.00", "9.99"]
    totals = report["totals"]
    assert [totals[f"{c}_base"] for c in columns] == ["60.00", "30.00", "0.03", "30.00", "29.97"]
    for c in columns:
        assert D(totals[f"{c}_base"]) == sum(D(s[f"{c}_base"]) for s in report["sales"])
    assert rows[-1][0] == "TOTAL"
    assert rows[-1][-5:] == ["60.00", "30.00", "0.03", "30.00", "29.97"]
    assert [r[-1] for r in rows[1:-1]] == ["9.99"] * 3


async def test_asset_columns_in_the_assets_minor_unit(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # base USD, a JPY stock, JPY->USD 0.01. BUY 4 @ 1000.4 JPY; SELL 3 @ 1100.6 fee 0.6.
    # Sold lot portion: proceeds 3301.8 -> 3302 JPY, cost 3 * 1000.4 = 3001.2 -> 3001,
    # fee 0.6 -> 1: gain 3302 - 3001 - 1 = 300 JPY. In USD: 33.018 -> 33.02,
    # 30.012 -> 30.01, 0.006 -> 0.01: gain 33.02 - 30.01 - 0.01 = 3.00.
    # Open: 1 unit costing 1000.4 -> 1000 JPY, 10.004 -> 10.00 USD; no stored price, so the
    # last trade price 1100.6 stands in: value 1101 JPY, 11.006 -> 11.01 USD.
    user, sony = await make_user(), await make_asset("SONY", currency="JPY")
    await rates(db, "JPY", "USD", {D0: "0.01"})
    acc = await account(user, "JPY")
    await post(user, acc, type="BUY", asset_id=sony, quantity="4", price="1000.4",
               currency="JPY", executed_at=at(D0))  # fmt: skip
    await post(user, acc, type="SELL", asset_id=sony, quantity="3", price="1100.6", fee="0.6",
               currency="JPY", executed_at=at(D0, 16))  # fmt: skip

    (sale,) = (await user.client.get(f"/api/v1/accounts/{acc}/realized?year=2026")).json()["sales"]
    (lot,) = (await user.client.get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
    query = f"range=custom&start={D0 - timedelta(days=1)}&end={D0}&asset_id={sony}"
    (point,) = (await user.client.get(f"/api/v1/accounts/{acc}/history?{query}")).json()["points"]

    assert [sale[c] for c in ("proceeds", "cost", "fees", "gain_net")] == [
        "3302",
        "3001",
        "1",
        "300",
    ]
    assert [sale[c] for c in ("proceeds_base", "cost_base", "fees_base", "gain_net_base")] == [
        "33.02", "30.01", "0.01", "3.00",
    ]  # fmt: skip
    assert (lot["cost"], lot["cost_base"], lot["value"]) == ("1000", "10.00", "1101")
    assert (point["value_asset"], point["value"]) == ("1101", "11.01")


async def test_a_three_place_base_currency(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # base KWD, a KWD stock: BUY 3 @ 1.2 ten days ago; stored close today 1.2346:
    # value 3 * 1.2346 = 3.7038 -> 3.704 KWD (three places), as GET /portfolio shows it;
    # gain 3.7038 - 3.6 = 0.1038 -> 0.104.
    user, stock = await make_user(base_currency="KWD"), await make_asset("NBK", currency="KWD")
    today = datetime.now(UTC).date()
    await prices(db, stock, "KWD", {today: "1.2346"})
    acc = await account(user, "KWD")
    await post(user, acc, type="BUY", asset_id=stock, quantity="3", price="1.2",
               currency="KWD", executed_at=at(today - timedelta(days=10)))  # fmt: skip

    history = (await user.client.get("/api/v1/portfolio/history?range=MAX")).json()
    perf = (await user.client.get("/api/v1/portfolio/performance?range=MAX")).json()
    live = await wait_for(user.client, "/api/v1/portfolio", "3.704")

    assert history["points"][-1]["value"] == "3.704" == live["total_value"]
    assert history["points"][0]["value"] == "3.600"  # 3 * 1.2, the trade price standing in
    assert perf["gain"]["gain_net"] == "0.104"
