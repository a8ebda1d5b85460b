"""Transactions through the API: ledger effects, idempotency, bad input, paging, publishing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pulsefolio.core.events import PositionChanged
from pulsefolio.core.stream import Stream, Topic

MakeUser = Callable[..., Awaitable[Any]]
Count = Callable[[str], Awaitable[int]]
DAY = "2024-03-01T10:00:00Z"


@pytest.fixture
async def book(make_user: MakeUser, make_asset: Callable[..., Awaitable[int]]) -> dict[str, Any]:
    """A user with a USD account holding 10 ACME (USD); a EUR asset SAP (no EUR rate is
    stored); IDLE (USD), never held."""
    user = await make_user()
    acme, sap = await make_asset("ACME"), await make_asset("SAP", currency="EUR")
    idle = await make_asset("IDLE")
    account = (
        await user.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
    ).json()["id"]
    buy = await user.client.post(
        f"/api/v1/accounts/{account}/transactions",
        json={"type": "BUY", "asset_id": acme, "quantity": 10, "price": 0.1, "executed_at": DAY},
    )
    assert buy.status_code == 201, buy.text
    return {"user": user, "account": account, "acme": acme, "sap": sap, "idle": idle,
            "buy": buy.json()}  # fmt: skip


async def _positions(book: dict[str, Any]) -> Any:
    response = await book["user"].client.get(f"/api/v1/accounts/{book['account']}/positions")
    assert response.status_code == 200
    return response.json()


class TestCreate:
    async def test_buy_updates_position_with_exact_decimals(self, book: dict[str, Any]) -> None:
        assert book["buy"]["price"] == "0.1"  # a JSON number, parsed exactly, sent as a string
        assert book["buy"]["currency"] == "USD"
        held = await _positions(book)
        (position,) = held["positions"]
        assert (position["symbol"], position["quantity"], position["cost_basis"]) == (
            "ACME",
            "10",
            "1",
        )
        # the 1.00 the purchase needed beyond the cash held is an implicit deposit
        assert held["cash"] == [{"currency": "USD", "balance": "0"}]

    async def test_sell_and_split(self, book: dict[str, Any]) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        split = await book["user"].client.post(
            url,
            json={
                "type": "SPLIT",
                "asset_id": book["acme"],
                "split_numerator": "3",
                "split_denominator": "1",
                "executed_at": "2024-03-02T00:00:00Z",
            },
        )
        assert split.status_code == 201, split.text
        sell = await book["user"].client.post(
            url,
            json={
                "type": "SELL",
                "asset_id": book["acme"],
                "quantity": "30",
                "price": "1",
                "executed_at": "2024-03-03T00:00:00Z",
            },
        )
        assert sell.status_code == 201, sell.text
        assert (await _positions(book))["positions"] == []
        kept = await book["user"].client.get(
            f"/api/v1/accounts/{book['account']}/positions?include_empty=true"
        )
        assert kept.json()["positions"][0]["realized_gain_net"] == "29"

    async def test_publishes_position_changed(self, book: dict[str, Any], stream: Stream) -> None:
        async for batch in stream.consume([Topic.POSITIONS], consumer=None, from_start=True):
            events = [PositionChanged.decode(d.data) for d in batch]
            assert {(e.user_id, e.account_id) for e in events} == {
                (book["user"].id, book["account"])
            }
            assert {d.key for d in batch} == {str(book["user"].id)}
            break


class TestIdempotency:
    async def test_replay_returns_first_result_and_writes_nothing(
        self, book: dict[str, Any], count_rows: Count
    ) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        body = {"type": "DEPOSIT", "amount": "100.50", "executed_at": DAY}
        headers = {"Idempotency-Key": "deposit-1"}
        first = await book["user"].client.post(url, json=body, headers=headers)
        assert first.status_code == 201
        rows = await count_rows("transactions")
        again = await book["user"].client.post(url, json=body, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await count_rows("transactions") == rows
        cash = (await _positions(book))["cash"]
        assert cash == [{"currency": "USD", "balance": "100.5"}]  # the buy was funded from outside
        different = await book["user"].client.post(
            url, json={**body, "amount": "7"}, headers=headers
        )
        assert different.status_code == 409
        assert await count_rows("transactions") == rows


def _bad_cases(book: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    acme, sap = book["acme"], book["sap"]
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    return [
        (
            "oversell",
            {"type": "SELL", "asset_id": acme, "quantity": "11", "price": "1"},
            "quantity",
        ),
        (
            "dividend never held",
            {"type": "DIVIDEND", "asset_id": book["idle"], "amount": "2"},
            "asset_id",
        ),
        (
            "fx rate missing",
            {"type": "BUY", "asset_id": sap, "quantity": "1", "price": "1"},
            "executed_at",
        ),  # no EUR->USD rate on the trade date or the 7 days before
        (
            "split zero",
            {"type": "SPLIT", "asset_id": acme, "split_numerator": "0", "split_denominator": "1"},
            "split_numerator",
        ),
        (
            "split negative",
            {"type": "SPLIT", "asset_id": acme, "split_numerator": "2", "split_denominator": "-1"},
            "split_denominator",
        ),
        (
            "currency mismatch",
            {"type": "BUY", "asset_id": sap, "quantity": "1", "price": "1", "currency": "USD"},
            "currency",
        ),
        (
            "future",
            {"type": "DEPOSIT", "amount": "1", "executed_at": future},
            "executed_at",
        ),
        ("unknown asset", {"type": "BUY", "asset_id": 999999, "quantity": "1", "price": "1"}, ""),
        ("missing quantity", {"type": "BUY", "asset_id": acme, "price": "1"}, "quantity"),
        ("not a number", {"type": "DEPOSIT", "amount": "lots"}, "amount"),
        ("naive time", {"type": "DEPOSIT", "amount": "1", "executed_at": "2024-01-01T00:00"}, ""),
        ("unknown type", {"type": "GIFT", "amount": "1"}, "type"),
        ("infinite", {"type": "DEPOSIT", "amount": "Infinity"}, "amount"),
    ]


class TestBadInput:
    async def test_each_case_is_4xx_and_writes_nothing(
        self, book: dict[str, Any], count_rows: Count
    ) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        before = [await count_rows(t) for t in ("transactions", "positions", "cash_balances")]
        held = await _positions(book)
        for name, body, field in _bad_cases(book):
            response = await book["user"].client.post(url, json={"executed_at": DAY, **body})
            assert response.status_code == 422, (name, response.text)
            payload = response.json()
            assert payload["error"] == "ValidationFailed", name
            assert payload["fields"], name
            if field:
                assert field in payload["fields"], (name, payload)
        after = [await count_rows(t) for t in ("transactions", "positions", "cash_balances")]
        assert after == before
        assert await _positions(book) == held

    async def test_unknown_account_is_404(self, book: dict[str, Any], count_rows: Count) -> None:
        response = await book["user"].client.post(
            "/api/v1/accounts/999999/transactions",
            json={"type": "DEPOSIT", "amount": "1", "executed_at": DAY},
        )
        assert response.status_code == 404
        assert await count_rows("transactions") == 1


class TestCorrectAndDelete:
    async def test_patch_recomputes_position(self, book: dict[str, Any]) -> None:
        tx = book["buy"]["id"]
        patched = await book["user"].client.patch(
            f"/api/v1/transactions/{tx}", json={"quantity": "4", "note": "typo"}
        )
        assert patched.status_code == 200, patched.text
        assert (patched.json()["quantity"], patched.json()["note"]) == ("4", "typo")
        assert (await _positions(book))["positions"][0]["quantity"] == "4"

    async def test_bad_patch_changes_nothing(self, book: dict[str, Any]) -> None:
        tx = book["buy"]["id"]
        bad = await book["user"].client.patch(
            f"/api/v1/transactions/{tx}", json={"currency": "EUR"}
        )
        assert bad.status_code == 422
        again = await book["user"].client.get(f"/api/v1/transactions/{tx}")
        assert again.json() == book["buy"]

    async def test_delete_refused_when_a_later_sale_would_oversell(
        self, book: dict[str, Any], count_rows: Count
    ) -> None:
        sell = await book["user"].client.post(
            f"/api/v1/accounts/{book['account']}/transactions",
            json={
                "type": "SELL",
                "asset_id": book["acme"],
                "quantity": "5",
                "price": "1",
                "executed_at": "2024-03-05T00:00:00Z",
            },
        )
        assert sell.status_code == 201
        refused = await book["user"].client.delete(f"/api/v1/transactions/{book['buy']['id']}")
        assert refused.status_code == 422
        assert await count_rows("transactions") == 2
        gone = await book["user"].client.delete(f"/api/v1/transactions/{sell.json()['id']}")
        assert gone.status_code == 204
        assert (await _positions(book))["positions"][0]["quantity"] == "10"
        missing = await book["user"].client.get(f"/api/v1/transactions/{sell.json()['id']}")
        assert missing.status_code == 404


class TestList:
    async def test_filters_and_cursor_paging(self, book: dict[str, Any]) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        for day in range(2, 7):
            response = await book["user"].client.post(
                url,
                json={
                    "type": "DEPOSIT",
                    "amount": str(day),
                    "executed_at": f"2024-03-0{day}T00:00Z",
                },
            )
            assert response.status_code == 201
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"type": "DEPOSIT", "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await book["user"].client.get(url, params=params)).json()
            seen += [item["amount"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["6", "5", "4", "3", "2"]
        window = await book["user"].client.get(
            url, params={"from": "2024-03-03T00:00:00Z", "to": "2024-03-05T00:00:00Z"}
        )
        assert [i["amount"] for i in window.json()["items"]] == ["4", "3"]
        by_asset = await book["user"].client.get(url, params={"asset_id": book["acme"]})
        assert [i["type"] for i in by_asset.json()["items"]] == ["BUY"]
        bad = await book["user"].client.get(url, params={"cursor": "garbage"})
        assert bad.status_code == 422 and "query.cursor" in bad.json()["fields"]


HUGE = "99999999999999"  # 14 digits: fits the quantity and price columns, not their product


def _out_of_range_cases(book: dict[str, Any]) -> list[tuple[str, dict[str, Any], set[str]]]:
    """Each was a 500: an overflow in the ledger's arithmetic, a value PostgreSQL rounds to 0
    against a CHECK (> 0), or a date the FX lookup cannot convert."""
    acme = book["acme"]
    return [
        ("cost too large", {"type": "BUY", "asset_id": acme, "quantity": HUGE, "price": HUGE},
         {"quantity", "price"}),
        ("proceeds too large", {"type": "SELL", "asset_id": acme, "quantity": "1", "price": "1",
                                "fee": "99999999999999.5"}, {"quantity", "price"}),
        ("quantity past the column", {"type": "BUY", "asset_id": acme, "quantity": "1e20",
                                      "price": "1"}, {"quantity"}),
        ("tiny deposit", {"type": "DEPOSIT", "amount": "0.0000001"}, {"amount"}),
        ("tiny quantity", {"type": "BUY", "asset_id": acme, "quantity": "0.00000000001",
                           "price": "1"}, {"quantity"}),
        ("tiny fee", {"type": "DEPOSIT", "amount": "1", "fee": "0.0000001"}, {"fee"}),
        ("tiny split side", {"type": "SPLIT", "asset_id": acme, "split_numerator": "2",
                             "split_denominator": "0.00000000001"}, {"split_denominator"}),
        ("extreme split", {"type": "SPLIT", "asset_id": acme, "split_numerator": HUGE,
                           "split_denominator": "0.0000000001"},
         {"split_numerator", "split_denominator"}),
        ("year one", {"type": "DEPOSIT", "amount": "1",
                      "executed_at": "0001-01-01T00:00:00+05:00"}, {"executed_at"}),
        ("year 1899", {"type": "DEPOSIT", "amount": "1",
                       "executed_at": "1899-12-31T23:59:59Z"}, {"executed_at"}),
    ]  # fmt: skip


class TestOutOfRange:
    async def test_each_case_is_422_naming_the_field_and_writes_nothing(
        self, book: dict[str, Any], count_rows: Count
    ) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        before = [await count_rows(t) for t in ("transactions", "positions", "cash_balances")]
        held = await _positions(book)
        for name, body, fields in _out_of_range_cases(book):
            response = await book["user"].client.post(url, json={"executed_at": DAY, **body})
            assert response.status_code == 422, (name, response.text)
            payload = response.json()
            assert payload["error"] == "ValidationFailed", name
            assert set(payload["fields"]) == fields, (name, payload)
        after = [await count_rows(t) for t in ("transactions", "positions", "cash_balances")]
        assert after == before
        assert await _positions(book) == held

    async def test_a_position_past_its_column_is_422(self, book: dict[str, Any]) -> None:
        """Each purchase fits; their sum does not fit the position's columns."""
        url = f"/api/v1/accounts/{book['account']}/transactions"
        body = {"type": "BUY", "asset_id": book["acme"], "quantity": "50000000000000", "price": "1",
                "executed_at": DAY}  # fmt: skip
        first = await book["user"].client.post(url, json=body)
        assert first.status_code == 201, first.text
        response = await book["user"].client.post(url, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["fields"] == {
            "quantity": "makes the position's quantity too large to store",
            "price": "makes the position's quantity too large to store",
        }

    async def test_patch_to_an_out_of_range_value_changes_nothing(
        self, book: dict[str, Any]
    ) -> None:
        url = f"/api/v1/transactions/{book['buy']['id']}"
        for body, field in (
            ({"quantity": HUGE, "price": HUGE}, "price"),
            ({"quantity": "0.00000000001"}, "quantity"),
            ({"executed_at": "0001-01-01T00:00:00+05:00"}, "executed_at"),
        ):
            response = await book["user"].client.patch(url, json=body)
            assert response.status_code == 422, (body, response.text)
            assert field in response.json()["fields"], body
        assert (await book["user"].client.get(url)).json() == book["buy"]
        assert (await _positions(book))["positions"][0]["quantity"] == "10"

    async def test_the_earliest_year_keeps_history_and_performance_answering(
        self, book: dict[str, Any]
    ) -> None:
        url = f"/api/v1/accounts/{book['account']}/transactions"
        body = {"type": "DEPOSIT", "amount": "100", "executed_at": "1900-01-01T00:00:00Z"}
        first = await book["user"].client.post(url, json=body)
        assert first.status_code == 201, first.text
        for path in ("/api/v1/portfolio/history", "/api/v1/portfolio/performance"):
            response = await book["user"].client.get(path)
            assert response.status_code == 200, (path, response.text)


class TestReadYourWrites:
    async def test_every_write_is_in_the_next_portfolio_read(self, book: dict[str, Any]) -> None:
        """The valuation routes answer from memory, kept current by the stream; a write still
        shows in the caller's very next read on the instance that took it."""
        client, url = book["user"].client, f"/api/v1/accounts/{book['account']}/transactions"

        async def held() -> str:
            body = (await client.get("/api/v1/portfolio")).json()
            return next(h["quantity"] for h in body["holdings"] if h["asset_id"] == book["acme"])

        assert await held() == "10"
        made = []
        for n in range(1, 9):
            sell = await client.post(url, json={"type": "SELL", "asset_id": book["acme"],
                                                "quantity": "1", "price": "1",
                                                "executed_at": DAY})  # fmt: skip
            assert sell.status_code == 201, sell.text
            made.append(sell.json()["id"])
            assert await held() == str(10 - n)
        fixed = await client.patch(f"/api/v1/transactions/{made[0]}", json={"quantity": "2"})
        assert fixed.status_code == 200, fixed.text
        assert await held() == "1"
        assert (await client.delete(f"/api/v1/transactions/{made[1]}")).status_code == 204
        assert await held() == "2"
