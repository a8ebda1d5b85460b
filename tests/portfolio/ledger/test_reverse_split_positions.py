"""Reverse splits whose ratio has no finite decimal, through the API and the stored positions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

MakeUser = Callable[..., Awaitable[Any]]
MakeAsset = Callable[..., Awaitable[int]]


def at(day: int) -> str:
    return datetime(2026, 2, day, 15, tzinfo=UTC).isoformat()


async def write(user: Any, account_id: int, **body: Any) -> Any:
    return await user.client.post(f"/api/v1/accounts/{account_id}/transactions", json=body)


@pytest.mark.parametrize("method", ["fifo", "average"])
@pytest.mark.parametrize("den", [3, 7])
async def test_one_for_n_split_then_sell_everything(
    make_user: MakeUser, make_asset: MakeAsset, den: int, method: str
) -> None:
    # BUY den @ 10 (cost 10 * den); SPLIT 1:den leaves den * 1 / den = 1 unit exactly, still
    # costing 10 * den; SELL 1 @ 100 sells everything: realized 100 - 10 * den
    user, asset = await make_user(), await make_asset("REV")
    created = await user.client.post(
        "/api/v1/accounts", json={"name": "Broker", "currency": "USD", "cost_method": method}
    )
    acc = int(created.json()["id"])
    bought = await write(user, acc, type="BUY", asset_id=asset, quantity=str(den), price="10",
                         executed_at=at(2))  # fmt: skip
    split = await write(user, acc, type="SPLIT", asset_id=asset, split_numerator="1",
                        split_denominator=str(den), executed_at=at(3))  # fmt: skip
    assert (bought.status_code, split.status_code) == (201, 201), split.text

    held = (await user.client.get(f"/api/v1/accounts/{acc}/positions")).json()["positions"]
    assert [(p["quantity"], p["cost_basis"]) for p in held] == [("1", str(10 * den))]

    sold = await write(user, acc, type="SELL", asset_id=asset, quantity="1", price="100",
                       executed_at=at(4))  # fmt: skip
    assert sold.status_code == 201, sold.text
    url = f"/api/v1/accounts/{acc}/positions?include_empty=true"
    (row,) = (await user.client.get(url)).json()["positions"]
    assert (row["quantity"], row["realized_gain_gross"]) == ("0", str(100 - 10 * den))
