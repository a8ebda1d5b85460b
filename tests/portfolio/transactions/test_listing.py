"""``GET /api/v1/transactions``: the caller's transactions across accounts, filtered, sorted
and paged; bad filters are 422 naming the field; another user's rows never show."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

MakeUser = Callable[..., Awaitable[Any]]
URL = "/api/v1/transactions"


async def _account(user: Any, name: str) -> int:
    created = await user.client.post("/api/v1/accounts", json={"name": name, "currency": "USD"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _book(user: Any, account: int, **body: Any) -> dict[str, Any]:
    created = await user.client.post(f"/api/v1/accounts/{account}/transactions", json=body)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


@pytest.fixture
async def ledger(make_user: MakeUser, make_asset: Callable[..., Awaitable[int]]) -> dict[str, Any]:
    """Two accounts of one user (BUY ACME, DEPOSITs, a DIVIDEND, BUY ZED) and a stranger with
    a deposit of their own."""
    user, stranger = await make_user(), await make_user()
    acme, zed = await make_asset("ACME"), await make_asset("ZED")
    main, side = await _account(user, "Main"), await _account(user, "Side")
    rows = [
        await _book(user, main, type="DEPOSIT", amount="100", executed_at="2024-01-01T00:00:00Z"),
        await _book(user, main, type="BUY", asset_id=acme, quantity="2", price="10",
                    executed_at="2024-01-02T00:00:00Z"),
        await _book(user, side, type="DEPOSIT", amount="50", executed_at="2024-01-03T00:00:00Z"),
        await _book(user, side, type="BUY", asset_id=zed, quantity="1", price="5",
                    executed_at="2024-01-04T00:00:00Z"),
        await _book(user, main, type="DIVIDEND", asset_id=acme, amount="1.5",
                    executed_at="2024-01-05T00:00:00Z"),
    ]  # fmt: skip
    other = await _account(stranger, "Theirs")
    await _book(stranger, other, type="DEPOSIT", amount="7", executed_at="2024-01-03T00:00:00Z")
    return {"user": user, "stranger": stranger, "main": main, "side": side, "other": other,
            "acme": acme, "zed": zed, "rows": rows}  # fmt: skip


async def _ids(ledger: dict[str, Any], **params: Any) -> list[int]:
    answer = await ledger["user"].client.get(URL, params=params)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


class TestListAll:
    async def test_every_account_newest_first_and_only_the_callers(
        self, ledger: dict[str, Any]
    ) -> None:
        answer = (await ledger["user"].client.get(URL)).json()
        assert [i["id"] for i in answer["items"]] == [r["id"] for r in reversed(ledger["rows"])]
        assert (answer["total"], answer["offset"], answer["limit"]) == (5, 0, 50)
        assert {i["account_id"] for i in answer["items"]} == {ledger["main"], ledger["side"]}
        theirs = (await ledger["stranger"].client.get(URL)).json()
        assert [i["amount"] for i in theirs["items"]] == ["7"] and theirs["total"] == 1

    async def test_filters(self, ledger: dict[str, Any]) -> None:
        rows = ledger["rows"]
        assert await _ids(ledger, account_id=ledger["side"]) == [rows[3]["id"], rows[2]["id"]]
        assert await _ids(ledger, asset_id=ledger["acme"]) == [rows[4]["id"], rows[1]["id"]]
        trades = [rows[4]["id"], rows[3]["id"], rows[1]["id"]]
        assert await _ids(ledger, type=["BUY", "DIVIDEND"]) == trades
        window = {"from": "2024-01-02T00:00:00Z", "to": "2024-01-04T00:00:00Z"}
        assert await _ids(ledger, **window) == [rows[2]["id"], rows[1]["id"]]
        both = {"account_id": ledger["main"], "type": "DEPOSIT"}
        assert await _ids(ledger, **both) == [rows[0]["id"]]

    async def test_sort_and_pages(self, ledger: dict[str, Any]) -> None:
        rows = ledger["rows"]
        by_amount = await _ids(ledger, sort="-amount")
        # 100, 50, 1.5, then the purchases (no amount) newest first
        assert by_amount == [rows[0]["id"], rows[2]["id"], rows[4]["id"], rows[3]["id"],
                             rows[1]["id"]]  # fmt: skip
        by_symbol = await _ids(ledger, sort="symbol", type="BUY")
        assert by_symbol == [rows[1]["id"], rows[3]["id"]]  # ACME before ZED
        pages = [await _ids(ledger, sort="executed_at", limit=2, offset=o) for o in (0, 2, 4)]
        assert pages == [[rows[0]["id"], rows[1]["id"]], [rows[2]["id"], rows[3]["id"]],
                         [rows[4]["id"]]]  # fmt: skip
        last = (await ledger["user"].client.get(URL, params={"limit": 2, "offset": 4})).json()
        assert last["total"] == 5 and len(last["items"]) == 1

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"type": "GIFT"}, "query.type"),
            ({"sort": "colour"}, "query.sort"),
            ({"from": "2024-01-02"}, "query.from"),
            ({"limit": "0"}, "query.limit"),
            ({"offset": "-1"}, "query.offset"),
            ({"account_id": "abc"}, "query.account_id"),
            ({"from": "2024-01-05T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "to"),
        ],
    )
    async def test_bad_filters_are_422_naming_the_field(
        self, ledger: dict[str, Any], params: dict[str, str], field: str
    ) -> None:
        answer = await ledger["user"].client.get(URL, params=params)
        assert answer.status_code == 422, answer.text
        fields = answer.json()["fields"]
        assert [k for k in fields if k.split(".")[:2] == field.split(".")[:2] and fields[k]], fields

    async def test_another_users_account_is_not_found(self, ledger: dict[str, Any]) -> None:
        """As on the per-account routes: nothing tells the account exists."""
        both = {"account_id": [ledger["main"], ledger["other"]]}
        answer = await ledger["user"].client.get(URL, params=both)
        assert answer.status_code == 404 and answer.json()["detail"] == "no such account"

    async def test_signed_out_is_401(self, client: Any) -> None:
        assert (await client.get(URL)).status_code == 401
