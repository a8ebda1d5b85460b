"""The allocation routes over the real ledger and database.

A EUR user; stored prices and rates, USD→EUR 0.8. One EUR account: BUY 10 AAPL (stock, USD)
@ 100, BUY 20 VWCE (etf, EUR) @ 50 (both paid by implicit deposits), DEPOSIT 200 EUR. Today:
AAPL 800 EUR, VWCE 1000 EUR, cash 200 EUR, total 2000 EUR.

Targets stock 30 / etf 50 / bond 20: stock is 40 % (+10 points, +200 EUR), so sell AAPL for
200 EUR (250 USD, 2.5 shares); nothing held is a bond, so "buy bonds for 400 EUR" has no
asset; the cash (10 %, target 0) pays for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
import pytest_asyncio
from engine.fixtures import store_price  # tests/portfolio/engine (rootdir-relative package)
from portfolios.test_cash import days_ago, open_account, post, store_rate

STORED = datetime.now(UTC) - timedelta(seconds=30)


@pytest_asyncio.fixture
async def eve(start_app, make_user, make_asset, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    aapl = await make_asset("AAPL")
    vwce = await make_asset("VWCE", currency="EUR", asset_class="etf")
    bond = await make_asset("BND", currency="EUR", asset_class="bond")
    await store_rate(db, "USDEUR", "0.8", STORED)
    async with db.begin() as conn:
        await store_price(conn, aapl, "100", "99", STORED, "USD")
        await store_price(conn, vwce, "50", "49", STORED, "EUR")
    server = await start_app("allocation")
    user = await make_user(base_currency="EUR", server=server)
    acc = await open_account(user, "Broker", "EUR")
    when = days_ago(3)
    await post(user, acc, type="BUY", asset_id=aapl, currency="USD", quantity="10",
               price="100", executed_at=when)  # fmt: skip
    await post(user, acc, type="BUY", asset_id=vwce, currency="EUR", quantity="20",
               price="50", executed_at=when)  # fmt: skip
    await post(user, acc, type="DEPOSIT", amount="200", currency="EUR", executed_at=days_ago(2))
    return {"user": user, "server": server, "account": acc, "aapl": aapl, "vwce": vwce,
            "bond": bond}  # fmt: skip


async def put(user: Any, dimension: str, targets: dict[str, str], **extra: Any) -> Any:
    body = {"dimension": dimension, "targets": [{"key": k, "weight_percent": w}
                                                for k, w in targets.items()], **extra}  # fmt: skip
    return await user.client.put("/api/v1/allocation/targets", json=body)


async def get(user: Any, **params: Any) -> dict[str, Any]:
    answer = await user.client.get("/api/v1/allocation", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["key"]: r for r in body["rows"]}


class TestAllocation:
    async def test_drift_and_trades_by_asset_class(self, eve) -> None:  # type: ignore[no-untyped-def]
        user = eve["user"]
        saved = await put(user, "asset_class", {"stock": "30", "etf": "50", "bond": "20"})
        assert saved.status_code == 200, saved.text
        assert saved.json()["targets"]["asset_class"] == [
            {"key": "etf", "weight_percent": "50"},
            {"key": "stock", "weight_percent": "30"},
            {"key": "bond", "weight_percent": "20"},
        ]
        body = await get(user, dimension="asset_class")
        portfolio = (await user.client.get("/api/v1/portfolio")).json()
        assert body["total_value"] == portfolio["total_value"] == "2000.00"
        slices = {s["key"]: s["value"] for s in portfolio["allocation"]["asset_class"]}
        assert {k: r["value"] for k, r in rows(body).items() if k in slices} == slices
        got = {k: (r["weight_percent"], r["target_percent"], r["drift_percent"],
                   r["drift_amount"], r["outside_tolerance"], r["value_after"])
               for k, r in rows(body).items()}  # fmt: skip
        assert got == {
            "etf": ("50.0000", "50.0000", "0.0000", "0.00", False, "1000.00"),
            "stock": ("40.0000", "30.0000", "10.0000", "200.00", True, "600.00"),
            "cash": ("10.0000", "0.0000", "10.0000", "200.00", True, "0.00"),
            "bond": ("0.0000", "20.0000", "-20.0000", "-400.00", True, "400.00"),
        }
        trades = [(t["kind"], t["action"], t["asset_id"], t["quantity"], t["amount"])
                  for t in body["trades"]]  # fmt: skip
        assert trades == [
            ("unassigned", "buy", None, None, "400.00"),
            ("holding", "sell", eve["aapl"], "2.5", "200.00"),
        ]
        assert (body["mode"], body["residual_key"], body["tolerance_percent"]) == (
            "rebalance", "cash", "5",
        )  # fmt: skip

    async def test_new_money_only_buys(self, eve) -> None:  # type: ignore[no-untyped-def]
        user = eve["user"]
        await put(user, "asset_class", {"stock": "30", "etf": "50", "bond": "20"})
        body = await get(user, dimension="asset_class", cash="500")
        # total 2500: etf short 250, bond 500; the 500 go 1:2 to them
        assert (body["mode"], body["cash"]) == ("buy_only", "500.00")
        assert body["total_after"] == "2500.00"
        trades = [(t["kind"], t["action"], t["asset_id"], t["quantity"], t["amount"])
                  for t in body["trades"]]  # fmt: skip
        assert trades == [
            ("unassigned", "buy", None, None, "333.33"),
            ("holding", "buy", eve["vwce"], "3.333333", "166.67"),
        ]
        assert rows(body)["cash"]["change"] == "0.00"

    async def test_by_currency_and_by_holding(self, eve) -> None:  # type: ignore[no-untyped-def]
        user, aapl, vwce = eve["user"], eve["aapl"], eve["vwce"]
        assert (await put(user, "currency", {"usd": "50", "EUR": "50"})).status_code == 200
        body = await get(user, dimension="currency")
        assert {k: r["value"] for k, r in rows(body).items()} == {"EUR": "1200.00", "USD": "800.00"}
        assert body["residual_key"] == "EUR"
        [trade] = body["trades"]
        assert (trade["asset_id"], trade["action"], trade["quantity"], trade["currency"]) == (
            aapl, "buy", "2.5", "USD",
        )  # fmt: skip
        assert rows(body)["EUR"]["value_after"] == "1000.00"
        # all in USD: the 200 EUR cash does not pay for 1200 EUR of AAPL, so VWCE is sold too
        await put(user, "currency", {"USD": "100"})
        body = await get(user, dimension="currency")
        assert [(t["asset_id"], t["action"], t["quantity"], t["amount"]) for t in body["trades"]] \
            == [(aapl, "buy", "15", "1200.00"), (vwce, "sell", "20", "1000.00")]  # fmt: skip
        assert rows(body)["EUR"]["value_after"] == "0.00"

        assert (await put(user, "holding", {str(aapl): "50", str(vwce): "50"})).status_code == 200
        body = await get(user, dimension="holding")
        assert rows(body)[str(aapl)]["label"] == "AAPL · AAPL Inc."
        assert [(t["asset_id"], t["amount"]) for t in body["trades"]] == [(aapl, "200.00")]
        assert rows(body)["cash"]["value_after"] == "0.00"
        # one account, the same figures; the other dimensions keep their own targets
        scoped = await get(user, dimension="holding", account_id=eve["account"])
        assert scoped["total_value"] == "2000.00" and scoped["trades"] == body["trades"]
        stored = (await user.client.get("/api/v1/allocation/targets")).json()["targets"]
        assert [t["key"] for t in stored["currency"]] == ["USD"]

    async def test_without_targets_there_is_nothing_to_trade(self, eve) -> None:  # type: ignore[no-untyped-def]
        body = await get(eve["user"], dimension="currency")
        assert body["targets_set"] is False and body["trades"] == []
        assert {r["target_percent"] for r in body["rows"]} == {None}

    async def test_a_replacement_replaces_and_an_empty_set_clears(self, eve) -> None:  # type: ignore[no-untyped-def]
        user = eve["user"]
        await put(user, "asset_class", {"stock": "30", "etf": "50", "bond": "20"})
        answer = await put(user, "asset_class", {"stock": "100"}, tolerance_percent="2.5")
        assert answer.json() == {
            "tolerance_percent": "2.5",
            "targets": {"asset_class": [{"key": "stock", "weight_percent": "100"}],
                        "currency": [], "holding": []},
        }  # fmt: skip
        assert (await put(user, "asset_class", {})).json()["targets"]["asset_class"] == []


class TestValidation:
    @pytest.mark.parametrize(
        ("dimension", "targets", "field", "reason"),
        [
            ("asset_class", {"stock": "60", "etf": "30"}, "targets", "weights sum to 90, not 100"),
            ("asset_class", {"gold": "100"}, "targets[0].key", "unknown asset class 'gold'"),
            ("currency", {"EUR": "50", "CHF": "50"}, "targets[1].key", "unknown currency CHF"),
            ("currency", {"EURO": "100"}, "targets[0].key", "not a currency code"),
            ("holding", {"999999": "100"}, "targets[0].key", "no such asset"),
            ("holding", {"\u00b2": "100"}, "targets[0].key", "no such asset"),
            ("holding", {"cash": "101", "1": "-1"}, "targets[0].weight_percent", "between 0"),
            ("asset_class", {"stock": "33.33333", "etf": "66.66667"},
             "targets[0].weight_percent", "at most 4 decimal places"),
        ],
    )  # fmt: skip
    async def test_bad_targets_name_the_field(  # type: ignore[no-untyped-def]
        self, eve, dimension, targets, field, reason
    ) -> None:
        user = eve["user"]
        await put(user, dimension, {"cash": "100"} if dimension != "currency" else {"EUR": "100"})
        answer = await put(user, dimension, targets)
        assert answer.status_code == 422, answer.text
        body = answer.json()
        assert body["error"] == "ValidationFailed"
        assert reason in body["fields"][field]
        # nothing was written: the set before stands
        stored = (await user.client.get("/api/v1/allocation/targets")).json()["targets"]
        assert len(stored[dimension]) == 1

    async def test_duplicates_tolerance_and_cash(self, eve) -> None:  # type: ignore[no-untyped-def]
        user = eve["user"]
        twice = [{"key": "EUR", "weight_percent": 50}, {"key": "eur", "weight_percent": 50}]
        body = {"dimension": "currency", "targets": twice}
        answer = await user.client.put("/api/v1/allocation/targets", json=body)
        assert answer.json()["fields"] == {"targets[1].key": "appears twice"}
        answer = await put(user, "currency", {"EUR": "100"}, tolerance_percent="-1")
        assert answer.json()["fields"] == {"tolerance_percent": "must be between 0 and 100"}
        for bad, reason in (("-5", "must not be negative"), ("lots", "not a number")):
            answer = await user.client.get("/api/v1/allocation", params={"cash": bad})
            assert (answer.status_code, answer.json()["fields"]) == (422, {"cash": reason})
        answer = await user.client.get("/api/v1/allocation", params={"dimension": "sector"})
        assert answer.status_code == 422 and "dimension" in str(answer.json()["fields"])


class TestOwnership:
    async def test_targets_are_the_callers_own(self, eve, make_user) -> None:  # type: ignore[no-untyped-def]
        await put(eve["user"], "asset_class", {"stock": "100"})
        mallory = await make_user(base_currency="EUR", server=eve["server"])
        theirs = (await mallory.client.get("/api/v1/allocation/targets")).json()
        assert theirs["targets"]["asset_class"] == []
        answer = await mallory.client.get(
            "/api/v1/allocation", params={"account_id": eve["account"]}
        )
        assert answer.status_code == 404
        await put(mallory, "asset_class", {"etf": "100"})
        mine = (await eve["user"].client.get("/api/v1/allocation/targets")).json()
        assert mine["targets"]["asset_class"] == [{"key": "stock", "weight_percent": "100"}]
        anonymous = await eve["user"].client.get(
            "/api/v1/allocation/targets", headers={"Authorization": "Bearer nope"}
        )
        assert anonymous.status_code == 401
        assert D((await get(mallory))["total_value"]) == 0
