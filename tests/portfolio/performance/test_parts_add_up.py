"""Gain parts that add up as shown, one total return at every level, XIRR's bound: via the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from sqlalchemy.ext.asyncio import AsyncEngine

from .test_endpoints import MakeAsset, MakeUser, account, at, custom, post, prices

D0 = date(2025, 3, 3)


async def test_unrealized_is_what_the_rounded_parts_leave(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # BUY 3 @ 10.005 (cost 30.015), SELL 1 @ 12.10 the next day; close 13.5075 on day 2.
    # Realized 12.10 - 10.005 = 2.095 -> 2.10 (half-even: 2.09|5, 9 odd, up).
    # Day 2 value: 2 * 13.5075 = 27.015 + cash 12.10 = 39.115 -> 39.12 (half-even, 1 odd);
    # inflow 30.015 -> 30.02: total 39.12 - 30.02 = 9.10, as the history shows. Unrealized
    # is the rest of the rounded parts, 9.10 - 2.10 = 7.00 (the float remainder
    # 9.10 - 2.095 = 7.005... rounded on its own gave 7.01: 2.10 + 7.01 is not 9.10).
    user, acme = await make_user(), await make_asset("ACME")
    d1, d2 = D0 + timedelta(days=1), D0 + timedelta(days=2)
    await prices(db, acme, "USD", {D0: "10.005", d1: "12.10", d2: "13.5075"})
    acc = await account(user, "USD")
    await post(user, acc, type="BUY", asset_id=acme, quantity="3", price="10.005",
               executed_at=at(D0))  # fmt: skip
    await post(user, acc, type="SELL", asset_id=acme, quantity="1", price="12.10",
               executed_at=at(d1))  # fmt: skip

    query = custom(D0 - timedelta(days=1), d2)
    perf = (await user.client.get(f"/api/v1/accounts/{acc}/performance?{query}")).json()
    points = (await user.client.get(f"/api/v1/accounts/{acc}/history?{query}")).json()["points"]

    g = {k: D(v) for k, v in perf["gain"].items() if k != "fees"}
    parts = g["realized_gain_gross"] + g["unrealized"] + g["income"] - g["expensed_fees"]
    assert g["gain_net"] == parts
    assert g["gain_net"] == g["price_effect"] + g["currency_effect"]
    shown = D(points[-1]["value"]) - sum(D(p["net_inflow"]) for p in points)
    assert g["gain_net"] == shown
    assert (g["gain_net"], g["realized_gain_gross"], g["unrealized"]) == (
        D("9.10"), D("2.10"), D("7.00"),
    )  # fmt: skip


async def test_a_holdings_total_return_divides_by_what_was_bought(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # BUY 10 @ 10 and SELL 5 @ 11 on the same day, close 11: gain 55 + 55 - 100 = 10.
    # The account was put 100 in (an implicit deposit): 10 / 100 = 0.100000. The holding
    # was put 100 in too, though its net flow that day is 100 - 55 = 45 (10 / 45 = 0.222).
    user, acme = await make_user(), await make_asset("ACME")
    await prices(db, acme, "USD", {D0: "11"})
    acc = await account(user, "USD")
    await post(user, acc, type="BUY", asset_id=acme, quantity="10", price="10",
               executed_at=at(D0, 10))  # fmt: skip
    await post(user, acc, type="SELL", asset_id=acme, quantity="5", price="11",
               executed_at=at(D0, 12))  # fmt: skip

    query = custom(D0 - timedelta(days=1), D0)
    url = f"/api/v1/accounts/{acc}/performance?{query}"
    whole = (await user.client.get(url)).json()
    holding = (await user.client.get(f"{url}&asset_id={acme}")).json()
    portfolio = (await user.client.get(f"/api/v1/portfolio/performance?{query}")).json()

    assert whole["gain"]["gain_net"] == holding["gain"]["gain_net"] == "10.00"
    assert whole["total_return"] == holding["total_return"] == "0.100000"
    assert portfolio["total_return"] == "0.100000"


async def test_no_xirr_beyond_a_million_percent(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # BUY 10 @ 10, close 13 six days later: 1.3 ** (365 / 6) - 1 = 8.5e6 > 10^6 % = 1e4
    user, acme = await make_user(), await make_asset("ACME")
    d6 = D0 + timedelta(days=6)
    await prices(db, acme, "USD", {D0: "10", d6: "13"})
    acc = await account(user, "USD")
    await post(user, acc, type="BUY", asset_id=acme, quantity="10", price="10",
               executed_at=at(D0))  # fmt: skip

    perf = (await user.client.get(f"/api/v1/accounts/{acc}/performance?"
                                  f"{custom(D0 - timedelta(days=1), d6)}")).json()  # fmt: skip

    assert perf["gain"]["gain_net"] == "30.00"
    assert perf["xirr"] is None
    assert "10^6%" in perf["xirr_note"]
