"""Every fee shown, gains gross and net, under both settings of purchase_fees_in_cost_basis.

BUY 10 @ 100 with fee 5 (day 1), SELL 4 @ 120 with fee 2 (day 2), DIVIDEND 6 with 1 withheld
(day 3). Fees paid: purchase 5, sale 2, withholding 1: 8.

* Fees in the cost basis (default): the lot costs 1005; the sale closes 4 of it at 402:
  gross 480 - 402 = 78, net 78 - 2 = 76; open cost 603.
* Fees apart: the lot costs 1000 (its purchase fee 5 beside it); the sale closes 400 and 2 of
  the purchase fee: gross 480 - 400 = 80, net 80 - 2 - 2 = 76; open cost 600.

The net gains and the whole gain agree under both; only the cost basis and the gross gains
move.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from .test_endpoints import MakeAsset, MakeUser, account, at, post, prices

D0 = date(2026, 2, 2)
FEES = {"purchase": "5", "sale": "2", "withholding": "1", "other": "0", "total": "8"}


async def _ledger(user: Any, asset: int) -> int:
    acc = await account(user, "USD")
    for day, body in (
        (1, {"type": "BUY", "quantity": "10", "price": "100", "fee": "5"}),
        (2, {"type": "SELL", "quantity": "4", "price": "120", "fee": "2"}),
        (3, {"type": "DIVIDEND", "amount": "6", "fee": "1"}),
    ):
        await post(user, acc, asset_id=asset, executed_at=at(D0 + timedelta(days=day)), **body)
    return acc


async def _figures(user: Any, acc: int) -> dict[str, Any]:
    get = user.client.get
    (position,) = (await get(f"/api/v1/accounts/{acc}/positions")).json()["positions"]
    report = (await get(f"/api/v1/accounts/{acc}/realized?year={D0.year}")).json()
    (lot,) = (await get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
    perf = (await get(f"/api/v1/accounts/{acc}/performance?range=MAX")).json()
    return {"position": position, "sale": report["sales"][0], "lot": lot, "gain": perf["gain"]}


async def _priced(db: AsyncEngine, make_asset: MakeAsset) -> int:
    asset = await make_asset("FEEX")
    days = {D0 + timedelta(days=d): "120" for d in range(1, 4)}
    await prices(db, asset, "USD", {D0 + timedelta(days=1): "100", **days})
    return asset


async def test_fees_in_the_cost_basis(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
) -> None:
    user = await make_user()
    f = await _figures(user, await _ledger(user, await _priced(db, make_asset)))

    p = f["position"]
    assert (p["cost_basis"], p["realized_gain_gross"], p["realized_gain_net"]) == (
        "603",
        "78",
        "76",
    )
    assert p["fees"] == FEES
    s = f["sale"]
    assert (s["cost"], s["fees"], s["gain_gross"], s["gain_net"]) == (
        "402.00", "2.00", "78.00", "76.00",
    )  # fmt: skip
    assert f["lot"]["cost"] == "603.00"
    g = f["gain"]
    assert (g["realized_gain_gross"], g["realized_gain_net"], g["expensed_fees"]) == (
        "78.00", "76.00", "3.00",
    )  # fmt: skip
    assert g["fees"] == {k: f"{v}.00" for k, v in FEES.items()}
    assert D(g["gain_gross"]) == D(g["gain_net"]) + 8


async def test_fees_apart_from_the_cost_basis(
    make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine, start_app: Any, settings: Any
) -> None:
    apart = await start_app(
        "fees-apart", settings.model_copy(update={"purchase_fees_in_cost_basis": False})
    )
    asset = await _priced(db, make_asset)
    user, same = await make_user(server=apart), await make_user()
    f = await _figures(user, await _ledger(user, asset))
    default = await _figures(same, await _ledger(same, asset))

    p = f["position"]
    assert (p["cost_basis"], p["average_cost"]) == ("600", "100")
    assert (p["realized_gain_gross"], p["realized_gain_net"], p["fees"]) == ("80", "76", FEES)
    s = f["sale"]
    assert (s["cost"], s["fees"], s["gain_gross"], s["gain_net"]) == (
        "400.00", "4.00", "80.00", "76.00",
    )  # fmt: skip
    assert f["lot"]["cost"] == "600.00"
    g, d = f["gain"], default["gain"]
    assert (g["realized_gain_gross"], g["realized_gain_net"], g["expensed_fees"]) == (
        "80.00", "76.00", "8.00",
    )  # fmt: skip
    assert (g["gain_net"], g["gain_gross"], g["fees"]) == (
        d["gain_net"],
        d["gain_gross"],
        d["fees"],
    )
    assert D(g["unrealized"]) == D(d["unrealized"]) + 3  # the open lots' purchase fees
    holdings = await user.client.get(f"/api/v1/portfolio?account_id={f['lot']['asset_id']}")
    portfolio = (await user.client.get("/api/v1/portfolio")).json()
    assert holdings.status_code in (200, 404)
    assert [h["cost_basis"] for h in portfolio["holdings"]] == ["600.00"]
