"""Value history over weekends (prices and rates stored before the first day) and one
holding's TWR on sale days, through the API; figures worked by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_endpoints import MakeAsset, MakeUser, account, at, custom, post, prices, rates

FRI, SAT, SUN, MON, TUE = (date(2024, 1, d) for d in (5, 6, 7, 8, 9))


async def test_purchase_on_a_saturday_is_valued_at_fridays_close(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    # BUY 10 @ 100 on Saturday; closes Fri 99, Mon 101, Tue 102. Values: Sat and Sun
    # 10 * 99 = 990 (carried), Mon 1010, Tue 1020. The purchase is an implicit deposit of
    # 1000 on Saturday: TWR = 990/1000 * 990/990 * 1010/990 * 1020/1010 - 1 = 0.02.
    user, acme = await make_user(), await make_asset("ACME")
    await prices(db, acme, "USD", {FRI: "99", MON: "101", TUE: "102"})
    acc = await account(user, "USD")
    await post(user, acc, type="BUY", asset_id=acme, quantity="10", price="100",
               executed_at=at(SAT))  # fmt: skip

    query = custom(FRI, TUE)
    history = (await user.client.get(f"/api/v1/accounts/{acc}/history?{query}")).json()
    perf = (await user.client.get(f"/api/v1/accounts/{acc}/performance?{query}")).json()

    points = [(p["date"], p["value"], p["carried_forward"]) for p in history["points"]]
    assert points == [
        (SAT.isoformat(), "990.00", True),
        (SUN.isoformat(), "990.00", True),
        (MON.isoformat(), "1010.00", False),
        (TUE.isoformat(), "1020.00", False),
    ]
    assert perf["twr"] == "0.020000"


async def test_deposit_on_a_saturday_is_valued_at_fridays_rate(
    make_user: MakeUser, db: AsyncEngine
) -> None:
    # base CHF; USD->CHF Fri 0.85, Mon 0.95. DEPOSIT 1000 USD on Saturday at the trade-date
    # rate 0.85: an inflow of 850; Sat and Sun 1000 * 0.85 = 850, Mon 1000 * 0.95 = 950.
    user = await make_user(base_currency="CHF")
    await rates(db, "USD", "CHF", {FRI: "0.85", MON: "0.95"})
    acc = await account(user, "USD")
    await post(user, acc, type="DEPOSIT", amount="1000", currency="USD", executed_at=at(SAT))

    history = (await user.client.get(f"/api/v1/accounts/{acc}/history?{custom(FRI, MON)}")).json()

    assert [(p["value"], p["net_inflow"]) for p in history["points"]] == [
        ("850.00", "850.00"), ("850.00", "0.00"), ("950.00", "0.00"),
    ]  # fmt: skip


@pytest.mark.parametrize("sold", ["5", "10"])
async def test_holding_twr_on_a_sale_day(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine, sold: str
) -> None:
    # d0: BUY 10 @ 10, close 10: V = 100, 100 put in at the start: r = 0.
    # d1: close 11, SELL `sold` @ 11 taken out at the end of the day:
    #     r = ((10 - sold) * 11 + sold * 11) / 100 - 1 = 110 / 100 - 1 = 0.10
    # (with the sale at the start of the day: 55 / (100 - 55) - 1 = 0.2222 for 5, 0 for 10)
    user, acme = await make_user(), await make_asset("ACME")
    d0 = date(2024, 3, 4)
    d1 = d0 + timedelta(days=1)
    await prices(db, acme, "USD", {d0: "10", d1: "11"})
    acc = await account(user, "USD")
    await post(user, acc, type="BUY", asset_id=acme, quantity="10", price="10",
               executed_at=at(d0))  # fmt: skip
    await post(user, acc, type="SELL", asset_id=acme, quantity=sold, price="11",
               executed_at=at(d1))  # fmt: skip

    query = f"{custom(d0 - timedelta(days=1), d1)}&asset_id={acme}"
    alone = (await user.client.get(f"/api/v1/accounts/{acc}/performance?{query}")).json()
    whole = await user.client.get(f"/api/v1/accounts/{acc}/performance?{custom(d0, d1)}")

    assert alone["twr"] == "0.100000"
    # the account (implicit deposit 100 on d0, worth 110 with the proceeds on d1): 110/100 - 1
    assert whole.json()["twr"] == "0.100000"
