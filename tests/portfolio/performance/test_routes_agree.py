"""Every route's figures tie together over seeded random ledgers, for each lot method.

One account per ledger (buys and sales with fees, dividends with withholding, USD base), read
through the positions, realized, tax-lot and performance routes after each change of method:

* realized gross less net is the fees of the closed lots, on the realized and tax-lot reports
  (which agree row for row) and, for the sale fees, on the positions route;
* the positions' fees are those paid over the whole range on the performance route;
* the realized report's gains are performance's realized gains, to the cent;
* cost basis is the open lots' cost; performance's gain_gross is gain_net plus every fee.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from .test_endpoints import MakeAsset, MakeUser, account, at, post

METHODS = ("fifo", "lifo", "hifo", "average", "specific")
D0 = date(2025, 1, 6)


async def _random_ledger(user: Any, acc: int, asset: int, seed: int) -> None:
    rnd, held = random.Random(seed), 0
    for k in range(12):
        when = at(D0 + timedelta(days=3 * k))
        fee = rnd.choice(["0", "1.25", "3"])
        price = f"{rnd.randint(500, 20000) / 100:.2f}"
        if held == 0 or rnd.random() < 0.45:
            q = rnd.randint(1, 20)
            await post(user, acc, type="BUY", asset_id=asset, quantity=str(q), price=price,
                       fee=fee, executed_at=when)  # fmt: skip
            held += q
        elif rnd.random() < 0.7:
            q = rnd.randint(1, held)
            await post(user, acc, type="SELL", asset_id=asset, quantity=str(q), price=price,
                       fee=fee, executed_at=when)  # fmt: skip
            held -= q
        else:
            await post(user, acc, type="DIVIDEND", asset_id=asset, amount=price, fee=fee,
                       executed_at=when)  # fmt: skip


def _key(row: dict[str, Any]) -> tuple[int, int]:
    return row["sale_id"], row["lot_id"]


def _total(rows: list[dict[str, Any]], key: str) -> D:
    return sum((D(r[key]) for r in rows), D(0))


async def _check(user: Any, acc: int) -> None:
    get = user.client.get
    (position,) = (await get(f"/api/v1/accounts/{acc}/positions?include_empty=true")).json()[
        "positions"
    ]
    lots = (await get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
    perf = (await get(f"/api/v1/accounts/{acc}/performance?range=MAX")).json()["gain"]
    years = (D0.year, D0.year + 1)
    sales, taxed = [], []
    for y in years:
        sales += (await get(f"/api/v1/accounts/{acc}/realized?year={y}")).json()["sales"]
        taxed += (await get(f"/api/v1/reports/tax-lots?year={y}")).json()["lots"]
    taxed = sorted((t for t in taxed if t["account_id"] == acc), key=_key)
    sales.sort(key=_key)

    for row in (*sales, *taxed):
        assert D(row["gain_gross"]) - D(row["gain_net"]) == D(row["fees"])
    pairs = ("proceeds", "cost", "fees", "gain_gross", "gain_net")
    assert [[t[k] for k in pairs] for t in taxed] == [
        [s[f"{k}_base"] for k in pairs] for s in sales
    ]
    fees = position["fees"]
    assert D(position["realized_gain_gross"]) - D(position["realized_gain_net"]) == D(fees["sale"])
    assert {k: D(v) for k, v in perf["fees"].items()} == {k: D(v) for k, v in fees.items()}
    # performance sums the rows as the reports round them: the same figures to the cent
    assert _total(sales, "gain_gross") == D(perf["realized_gain_gross"])
    assert _total(sales, "gain_net") == D(perf["realized_gain_net"])
    slack = D("0.005") * (len(sales) + 1)  # a sale's fee is shared out over the lots it closed
    assert abs(_total(sales, "fees") - D(fees["sale"])) <= slack
    assert abs(_total(lots, "cost") - D(position["cost_basis"])) <= D("0.005") * (len(lots) + 1)
    assert D(perf["gain_gross"]) == D(perf["gain_net"]) + D(perf["fees"]["total"])


async def test_routes_agree_for_every_method(make_user: MakeUser, make_asset: MakeAsset) -> None:
    user, asset = await make_user(), await make_asset("AGRE")
    for seed in (1, 2):
        acc = await account(user, "USD")
        await _random_ledger(user, acc, asset, seed)
        for method in METHODS:
            patched = await user.client.patch(
                f"/api/v1/accounts/{acc}", json={"cost_method": method}
            )
            assert patched.status_code == 200
            await _check(user, acc)
