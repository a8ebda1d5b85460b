"""Lot selection per account: FIFO, LIFO, HIFO, average cost and lots a sale names.

BUY 10 @ 100 (lot A, day 1), BUY 10 @ 150 (lot B, day 2), BUY 10 @ 120 (lot C, day 3), then
SELL 5 @ 200 (day 4). The sale closes 5 of A under FIFO (cost 500, gain 500), of C under LIFO
(600, 400), of B under HIFO (750, 250), of the pool at 370 / 30 a unit under average cost
(616.67, 383.33), and what it names under specific (2 of A and 3 of C: 200 + 360 = 560, 440).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .test_endpoints import MakeAsset, MakeUser, account, at, post

D0 = date(2026, 5, 4)


async def _buys(user: Any, acc: int, asset: int) -> list[int]:
    ids = []
    for day, price in ((1, "100"), (2, "150"), (3, "120")):
        tx = await post(user, acc, type="BUY", asset_id=asset, quantity="10", price=price,
                        executed_at=at(D0 + timedelta(days=day)))  # fmt: skip
        ids.append(int(tx["id"]))
    return ids


def _sale(asset: int, **extra: Any) -> dict[str, Any]:
    return {"type": "SELL", "asset_id": asset, "quantity": "5", "price": "200",
            "executed_at": at(D0 + timedelta(days=4)), **extra}  # fmt: skip


async def _realized(user: Any, acc: int) -> tuple[list[tuple[int, str]], str, str]:
    get = user.client.get
    report = (await get(f"/api/v1/accounts/{acc}/realized?year={D0.year}")).json()
    (position,) = (await get(f"/api/v1/accounts/{acc}/positions")).json()["positions"]
    closed = [(s["lot_id"], s["quantity"]) for s in report["sales"]]
    return closed, report["totals"]["gain_net_base"], position["cost_basis"]


async def test_each_method_closes_its_lots_and_a_change_rederives(
    make_user: MakeUser, make_asset: MakeAsset
) -> None:
    user, asset = await make_user(), await make_asset("LOTS")
    acc = await account(user, "USD", "fifo")
    a, b, c = await _buys(user, acc, asset)
    await post(user, acc, **_sale(asset))

    expected = {
        "fifo": ([(a, "5")], "500.00", "3200"),
        "lifo": ([(c, "5")], "400.00", "3100"),
        "hifo": ([(b, "5")], "250.00", "2950"),
        "average": ([(a, "5")], "383.33", "3083.333333"),
        "specific": ([(a, "5")], "500.00", "3200"),  # the sale names none: oldest first
    }
    for method, figures in expected.items():
        patched = await user.client.patch(f"/api/v1/accounts/{acc}", json={"cost_method": method})
        assert patched.status_code == 200 and patched.json()["cost_method"] == method
        assert await _realized(user, acc) == figures, method


async def test_a_sale_names_its_lots(make_user: MakeUser, make_asset: MakeAsset) -> None:
    user, asset = await make_user(), await make_asset("PICK")
    acc = await account(user, "USD", "specific")
    a, _, c = await _buys(user, acc, asset)

    picks = [{"lot_id": a, "quantity": "2"}, {"lot_id": c, "quantity": "3"}]
    sold = await post(user, acc, **_sale(asset, lots=picks))

    assert sold["lots"] == picks
    assert await _realized(user, acc) == ([(a, "2"), (c, "3")], "440.00", "3140")
    lots = (await user.client.get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
    assert [(lot["lot_id"], lot["quantity"]) for lot in lots] == [(a, "8"), (_, "10"), (c, "7")]


async def test_bad_picks_are_422_naming_lots(
    make_user: MakeUser, make_asset: MakeAsset, count_rows: Any
) -> None:
    user, stranger = await make_user(), await make_user()
    asset = await make_asset("BADP")
    acc, other = await account(user, "USD", "specific"), await account(user, "USD", "specific")
    fifo, theirs = await account(user, "USD", "fifo"), await account(stranger, "USD", "specific")
    a, _, _ = await _buys(user, acc, asset)
    (elsewhere, _, _), (foreign, _, _) = (
        await _buys(user, other, asset),
        await _buys(stranger, theirs, asset),
    )
    await _buys(user, fifo, asset)
    before = await count_rows("transactions")

    cases = {
        "does not exist": (acc, [{"lot_id": foreign, "quantity": "5"}]),
        "belongs to another account": (acc, [{"lot_id": elsewhere, "quantity": "5"}]),
        "name 3 units but the sale is of 5": (acc, [{"lot_id": a, "quantity": "3"}]),
        f"lot {a} holds 10, not 11": (acc, [{"lot_id": a, "quantity": "11"}]),
        "lots are named with specific": (fifo, [{"lot_id": a, "quantity": "5"}]),
    }
    for reason, (target, picks) in cases.items():
        body = _sale(asset, lots=picks)
        if reason.startswith(f"lot {a}"):
            body["quantity"] = "11"
        response = await user.client.post(f"/api/v1/accounts/{target}/transactions", json=body)
        assert response.status_code == 422, (reason, response.text)
        assert reason in response.json()["fields"]["lots"], response.text
    assert await count_rows("transactions") == before
