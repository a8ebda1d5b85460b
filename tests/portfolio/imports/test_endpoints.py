"""Imports through the API: preview, all-or-none with every bad row, idempotency, ownership,
a year in three currencies, and the export -> import round trip."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.events import PositionChanged
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Stream, Topic

DATA = Path(__file__).parent / "data"
MakeUser = Callable[..., Awaitable[Any]]
MakeAsset = Callable[..., Awaitable[int]]
Count = Callable[[str], Awaitable[int]]
TABLES = ("transactions", "accounts", "positions", "cash_balances")


def _body(name: str, fmt: str = "csv", **extra: Any) -> dict[str, Any]:
    return {"format": fmt, "content": (DATA / name).read_text(), **extra}


@pytest.fixture
def make_user(make_user: MakeUser) -> MakeUser:
    """Users whose client waits up to a minute: an import on a busy shared machine is slow."""

    async def make(*args: Any, **kwargs: Any) -> Any:
        user = await make_user(*args, **kwargs)
        user.client.timeout = httpx.Timeout(60)
        return user

    return make


@pytest.fixture
async def assets(make_asset: MakeAsset, db: AsyncEngine) -> dict[str, int]:
    """The assets the sample files name, and every third day's FX rates of 2025 that the
    ledger needs for trade-date cost in the users' base currencies (USD, CHF)."""
    rates = {("EUR", "USD"): "1.08", ("CHF", "USD"): "1.12", ("USD", "CHF"): "0.89"}
    start = datetime(2024, 12, 20, tzinfo=UTC)
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO fx_rates (base, quote, as_of, source, rate) "
                "VALUES (:base, :quote, :as_of, 'manual', :rate)"
            ),
            [
                {"base": b, "quote": q, "as_of": start + timedelta(days=d), "rate": Decimal(r)}
                for (b, q), r in rates.items()
                for d in range(0, 380, 3)
            ],
        )
    return {
        "AAPL": await make_asset("AAPL"),
        "MSFT": await make_asset("MSFT"),
        "NESN.SW": await make_asset("NESN.SW", currency="CHF"),
        "VOW3.DE": await make_asset("VOW3.DE", currency="EUR"),
    }


async def _counts(count_rows: Count) -> dict[str, int]:
    return {table: await count_rows(table) for table in TABLES}


async def _account(user: Any, name: str = "Main", currency: str = "USD") -> int:
    created = await user.client.post("/api/v1/accounts", json={"name": name, "currency": currency})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def _holdings(user: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """(account name, symbol) -> position; (account name, "cash:CCY") -> cash row."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for account in (await user.client.get("/api/v1/accounts")).json():
        held = (await user.client.get(f"/api/v1/accounts/{account['id']}/positions")).json()
        for position in held["positions"]:
            found[(account["name"], position["symbol"])] = position
        for cash in held["cash"]:
            found[(account["name"], f"cash:{cash['currency']}")] = cash
    return found


class TestPreview:
    async def test_ghostfolio_preview_validates_and_writes_nothing(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        before = await _counts(count_rows)
        response = await user.client.post(
            "/api/v1/imports/preview", json=_body("ghostfolio-export.json", "ghostfolio")
        )
        assert response.status_code == 200, response.text
        preview = response.json()
        assert (preview["ok"], preview["errors"], len(preview["rows"])) == (True, [], 6)
        assert preview["rows"][0] == {
            "row": 1,
            "account_id": None,  # "Interactive Brokers" would be created
            "account": "Interactive Brokers",
            "date": "2025-01-06",
            "executed_at": "2025-01-06T00:00:00Z",
            "type": "buy",
            "symbol": "AAPL",
            "asset_id": assets["AAPL"],
            "quantity": "10",
            "price": "185.64",
            "fee": "1",
            "amount": None,
            "currency": "USD",
            "split_ratio": None,
            "note": None,
            "booked": False,
        }
        assert await _counts(count_rows) == before

    async def test_preview_runs_the_ledger_checks(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        user = await make_user()
        account = await _account(user)
        content = "date,symbol,type,quantity,price\n2025-01-02,AAPL,sell,1,10\n"
        response = await user.client.post(
            "/api/v1/imports/preview",
            json={"format": "csv", "content": content, "account_id": account},
        )
        assert response.status_code == 200
        assert response.json()["ok"] is False
        (error,) = response.json()["errors"]
        assert (error["row"], error["field"]) == (1, "quantity")
        assert "sells 1" in error["reason"]
        assert response.json()["rows"][0]["account_id"] == account


class TestImport:
    async def test_ghostfolio_export_imports_accounts_and_positions(
        self, make_user: MakeUser, assets: dict[str, int], stream: Stream
    ) -> None:
        user = await make_user(base_currency="CHF")
        response = await user.client.post(
            "/api/v1/imports", json=_body("ghostfolio-export.json", "ghostfolio")
        )
        assert response.status_code == 201, response.text
        assert response.json()["imported"] == 6
        accounts = {
            a["name"]: a["currency"] for a in (await user.client.get("/api/v1/accounts")).json()
        }
        assert accounts == {"Interactive Brokers": "USD", "Swissquote": "CHF"}
        held = await _holdings(user)
        # AAPL: bought 10, sold 4
        assert held[("Interactive Brokers", "AAPL")]["quantity"] == "6"
        assert held[("Interactive Brokers", "AAPL")]["dividends"] == "2.5"
        assert held[("Swissquote", "NESN.SW")]["quantity"] == "3"
        async for batch in stream.consume([Topic.POSITIONS], consumer=None, from_start=True):
            events = {PositionChanged.decode(d.data).user_id for d in batch}
            assert events == {user.id}
            break

    async def test_one_bad_row_refuses_the_whole_file(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user)
        before = await _counts(count_rows)
        content = (
            "date,symbol,type,quantity,price,fee\n"
            "2025-01-02,AAPL,buy,10,100,1\n"
            "2025-01-03,AAPL,sell,4,110,1\n"
            "2025-01-04,AAPL,sell,7,120,1\n"  # only 6 left
            "2025-01-05,MSFT,buy,1,400,0\n"
        )
        response = await user.client.post(
            "/api/v1/imports", json={"format": "csv", "content": content, "account_id": account}
        )
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["detail"] == "1 row(s) refused; nothing was imported"
        (error,) = body["errors"]
        assert (error["row"], error["field"]) == (3, "quantity")
        assert "sells 7" in error["reason"]
        assert await _counts(count_rows) == before

    async def test_every_bad_row_is_reported(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user)
        before = await _counts(count_rows)
        response = await user.client.post(
            "/api/v1/imports", json=_body("broker-bad-rows.csv", account_id=account)
        )
        assert response.status_code == 422
        errors = [(e["row"], e["field"]) for e in response.json()["errors"]]
        assert errors == [
            (2, "quantity"),  # "ten"
            (3, "symbol"),  # unknown ZZZZ
            (4, "quantity"),  # sells 50 of 10
            (5, "type"),  # "transfer"
            (6, "currency"),  # EUR for a USD asset
            (7, "date"),  # no EUR->USD rate stored for early 2024
            (8, "quantity"),  # 18 digits before the point: more than the column holds
        ]
        reasons = {e["field"]: e["reason"] for e in response.json()["errors"]}
        assert reasons["symbol"] == "unknown symbol ZZZZ"
        assert reasons["currency"] == "must be the asset's currency USD"
        assert "FX rate" in reasons["date"]
        assert await _counts(count_rows) == before

    async def test_rows_without_account_need_an_account_id(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        user = await make_user()
        response = await user.client.post("/api/v1/imports", json=_body("broker-bad-rows.csv"))
        assert response.status_code == 422
        assert {(e["row"], e["field"]) for e in response.json()["errors"]} >= {(1, "account")}

    async def test_a_year_in_three_currencies(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        """A buy every fortnight of 2025 in each of USD, EUR and CHF, a sale every fourth
        fortnight, EUR deposits every fourth; the positions are the sums written out below."""
        lines = ["Date,Ticker,Action,Shares,Price,Commission,Currency,Account,Amount"]
        plan = {"AAPL": ("USD", "Broker US"), "VOW3.DE": ("EUR", "Depot"), "NESN.SW": ("CHF", "3a")}
        for f in range(26):
            day = (date(2025, 1, 1) + timedelta(weeks=2 * f)).isoformat()
            if f % 4 == 0:
                lines.append(f"{day},,deposit,,,,EUR,Depot,2000")
            for symbol, (currency, account) in plan.items():
                lines.append(f"{day},{symbol},buy,3,{100 + f},1,{currency},{account},")
                if f % 4 == 3:
                    sale = f"{day}T12:00:00Z,{symbol},sell,2,{110 + f},1,{currency},{account},"
                    lines.append(sale)
        user, result = await user_import(await make_user(), "\n".join(lines))
        # 26 x 3 buys + 6 x 3 sales (f = 3, 7, ..., 23) + 7 deposits (f = 0, 4, ..., 24)
        assert result["imported"] == 26 * 3 + 6 * 3 + 7
        held = await _holdings(user)
        for symbol, (_, account) in plan.items():
            # 26 buys of 3 = 78, 6 sales of 2 = 12: 66 left
            assert held[(account, symbol)]["quantity"] == "66"
        # EUR cash (never short, so no implicit deposits): deposits 7 x 2000 = 14000;
        # buys: sum over f = 0..25 of 3 x (100 + f) + 1 = 3 x (2600 + 325) + 26 = 8801;
        # sales: sum over f = 3, 7, ..., 23 of 2 x (110 + f) - 1 = 2 x (660 + 78) - 6 = 1470
        assert Decimal(held[("Depot", "cash:EUR")]["balance"]) == 14000 - 8801 + 1470

    async def test_a_newest_first_file_replays_a_days_buy_before_its_sale(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        """Rows of one date share midnight; in a file listing its rows newest first, the
        sale written above the purchase happened after it."""
        user = await make_user()
        account = await _account(user)
        content = (
            "date,symbol,type,quantity,price,amount\n"
            "2025-03-04,AAPL,sell,10,180,\n"
            "2025-03-04,AAPL,buy,10,170,\n"
            "2025-03-03,AAPL,buy,5,160,\n"
            "2025-03-01,,deposit,,,5000\n"
        )
        body = {"format": "csv", "content": content, "account_id": account}
        response = await user.client.post("/api/v1/imports", json=body)
        assert response.status_code == 201, response.text
        held = await _holdings(user)
        assert Decimal(held[("Main", "AAPL")]["quantity"]) == 5


async def user_import(user: Any, content: str) -> tuple[Any, dict[str, Any]]:
    response = await user.client.post("/api/v1/imports", json={"format": "csv", "content": content})
    assert response.status_code == 201, response.text
    return user, response.json()


class TestIdempotency:
    async def test_retry_imports_once_and_another_file_conflicts(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        headers = {"Idempotency-Key": "upload-2025-06"}
        body = _body("broker-eu-semicolon.csv")
        first = await user.client.post("/api/v1/imports", json=body, headers=headers)
        assert first.status_code == 201, first.text
        after_first = await _counts(count_rows)
        again = await user.client.post("/api/v1/imports", json=body, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert await _counts(count_rows) == after_first
        other = await user.client.post(
            "/api/v1/imports", json=_body("broker-us.csv"), headers=headers
        )
        assert other.status_code == 409
        assert await _counts(count_rows) == after_first
        held = await _holdings(user)
        assert held[("Depot", "VOW3.DE")]["quantity"] == "15"  # 12 + 8 - 5, once

    async def test_concurrent_uploads_with_one_key_import_once(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user, "Depot", "EUR")
        body = _body("broker-eu-semicolon.csv", account_id=account)
        headers = {"Idempotency-Key": "double-click"}
        first, second = await asyncio.gather(
            *(user.client.post("/api/v1/imports", json=body, headers=headers) for _ in range(2))
        )
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        assert first.json() == second.json()
        replayed = [r.headers.get("Idempotent-Replayed") for r in (first, second)]
        assert sorted(replayed, key=str) == [None, "true"]
        assert await count_rows("transactions") == 3
        assert await count_rows("accounts") == 1


class TestOwnership:
    async def test_another_users_account_is_refused(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        owner, intruder = await make_user(), await make_user()
        account = await _account(owner)
        before = await _counts(count_rows)
        body = _body("broker-bad-rows.csv", account_id=account)
        for path in ("/api/v1/imports", "/api/v1/imports/preview"):
            response = await intruder.client.post(path, json=body)
            assert response.status_code == 404, response.text
        exported = await intruder.client.get(
            f"/api/v1/transactions/export.csv?account_id={account}"
        )
        assert exported.status_code == 404
        assert await _counts(count_rows) == before


class TestExport:
    async def test_export_then_import_into_an_empty_user_reproduces_the_ledger(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        source = await make_user()
        for name, fmt in (
            ("broker-us.csv", "csv"),
            ("broker-eu-semicolon.csv", "csv"),
            ("ghostfolio-export.json", "ghostfolio"),
        ):
            account = await _account(source, "Cash " + name) if name == "broker-us.csv" else None
            response = await source.client.post(
                "/api/v1/imports", json=_body(name, fmt, account_id=account)
            )
            assert response.status_code == 201, response.text
        exported = await source.client.get("/api/v1/transactions/export.csv")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        text = exported.text
        assert text.splitlines()[0] == (
            "date,account,type,symbol,quantity,price,fee,amount,currency,split_ratio,note"
        )
        assert "2025-05-20T14:30:00+00:00,Interactive Brokers,SELL,AAPL,4,201.2,1,,USD,," in text
        assert "2025-06-10,Cash broker-us.csv,SPLIT,AAPL,,,0,,USD,4:1," in text

        target = await make_user()
        response = await target.client.post(
            "/api/v1/imports", json={"format": "csv", "content": text}
        )
        assert response.status_code == 201, response.text
        assert response.json()["imported"] == len(text.splitlines()) - 1
        again = await target.client.get("/api/v1/transactions/export.csv")
        assert again.text == text
        assert _without_times(await _holdings(target)) == _without_times(await _holdings(source))

    async def test_export_of_one_account(self, make_user: MakeUser, assets: dict[str, int]) -> None:
        user = await make_user()
        await user_import(user, (DATA / "broker-eu-semicolon.csv").read_text())
        main = await _account(user)
        await user.client.post(
            f"/api/v1/accounts/{main}/transactions",
            json={"type": "DEPOSIT", "amount": "10", "executed_at": "2025-01-01T00:00:00Z"},
        )
        exported = await user.client.get(f"/api/v1/transactions/export.csv?account_id={main}")
        assert exported.text.splitlines()[1:] == ["2025-01-01,Main,DEPOSIT,,,,0,10,USD,,"]

    async def test_text_a_spreadsheet_would_run_is_written_as_text(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        user = await make_user()
        account = await _account(user, "=1+2")
        notes = [
            "@SUM(A1:A9)",
            '=HYPERLINK("https://example.org","x")',
            "+41 phone",
            "-5",
            "\tcmd",
            "\r=1",
            "'-quoted",
            "it's",
            None,
        ]
        for day, note in enumerate(notes, start=1):
            created = await user.client.post(
                f"/api/v1/accounts/{account}/transactions",
                json={
                    "type": "DEPOSIT",
                    "amount": "10.5",
                    "fee": "0.25",
                    "note": note,
                    "executed_at": f"2025-01-{day:02d}T00:00:00Z",
                },
            )
            assert created.status_code == 201, created.text
        exported = await user.client.get(f"/api/v1/transactions/export.csv?account_id={account}")
        rows = list(csv.DictReader(io.StringIO(exported.text, newline="")))
        assert [row["note"] for row in rows] == [
            "'@SUM(A1:A9)",
            '\'=HYPERLINK("https://example.org","x")',
            "'+41 phone",
            "'-5",
            "'\tcmd",
            "'\r=1",
            "''-quoted",
            "it's",
            "",
        ]
        assert {row["account"] for row in rows} == {"'=1+2"}
        assert {(row["amount"], row["fee"]) for row in rows} == {("10.5", "0.25")}

        # importing the export gives the texts back as they were
        target = await make_user()
        imported = await target.client.post(
            "/api/v1/imports", json={"format": "csv", "content": exported.text}
        )
        assert imported.status_code == 201, imported.text
        back = await target.client.get("/api/v1/transactions/export.csv")
        assert back.text == exported.text
        listed = (await target.client.get("/api/v1/accounts")).json()
        names = [a["name"] for a in (listed["items"] if isinstance(listed, dict) else listed)]
        assert "=1+2" in names


def _without_times(held: dict[Any, dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {key: {k: v for k, v in row.items() if k != "updated_at"} for key, row in held.items()}


class TestLimits:
    async def test_a_file_over_the_limit_is_413(
        self, start_app: Callable[..., Awaitable[Any]], make_user: MakeUser, settings: Settings
    ) -> None:
        small = await start_app("small", settings.model_copy(update={"import_max_bytes": 64}))
        user = await make_user(server=small)
        response = await user.client.post("/api/v1/imports", json=_body("broker-us.csv"))
        assert response.status_code == 413
        assert "over the limit of 64 bytes" in response.json()["detail"]


def _activity(type: str, quantity: Any, price: Any, **extra: Any) -> dict[str, Any]:
    return {"type": type, "date": "2025-01-06T00:00:00Z", "symbol": "AAPL", "currency": "USD",
            "quantity": quantity, "unitPrice": price, "fee": 0, **extra}  # fmt: skip


class TestOutOfRange:
    """Each of these was a 500; now a 422 (or a preview's row errors) that writes nothing."""

    async def test_content_that_is_not_text_is_422(
        self, make_user: MakeUser, count_rows: Count
    ) -> None:
        user = await make_user()
        before = await _counts(count_rows)
        raw = '{"format": "csv", "content": "date,type\\n\\ud800"}'  # a lone surrogate
        for path in ("/api/v1/imports/preview", "/api/v1/imports"):
            response = await user.client.post(
                path, content=raw, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 422, (path, response.text)
            assert "lone surrogate" in response.json()["fields"]["content"], path
        assert await _counts(count_rows) == before

    async def test_an_integer_json_cannot_convert_is_a_row_error(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user)
        before = await _counts(count_rows)
        big = "9" * 5000  # past Python's limit for converting a decimal string to int
        content = f'{{"activities": [{big}, {{"type": "BUY", "quantity": {big}}}]}}'
        body = {"format": "ghostfolio", "content": content, "account_id": account}
        preview = await user.client.post("/api/v1/imports/preview", json=body)
        assert preview.status_code == 200, preview.text
        found = {(e["row"], e["field"]) for e in preview.json()["errors"]}
        assert {(1, "activity"), (2, "quantity")} <= found
        response = await user.client.post("/api/v1/imports", json=body)
        assert response.status_code == 422, response.text
        assert await _counts(count_rows) == before

    async def test_numbers_past_the_columns_are_row_errors(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user)
        before = await _counts(count_rows)
        huge = "99999999999999"
        content = (
            "date,symbol,type,quantity,price,amount,split_ratio\n"
            "2025-01-02,AAPL,buy,1e999999,1e999999,,\n"  # the product overflowed Decimal
            "2025-01-02,,deposit,1e999999,1e999999,,\n"  # as the amount of a cash row
            f"2025-01-03,AAPL,buy,{huge},{huge},,\n"  # quantity × price past the money column
            "2025-01-03,,deposit,,,0.0000001,\n"  # rounds to 0 in its column
            "2025-01-04,AAPL,buy,0.00000000001,1,,\n"
            "2025-01-05,AAPL,buy,1,1,,\n"
            f"2025-01-06,AAPL,split,,,,{huge}:0.0000000001\n"  # the position past its column
        )
        body = {"format": "csv", "content": content, "account_id": account}
        expected = {
            (1, "quantity"), (1, "price"), (2, "quantity"), (2, "price"), (3, "quantity"),
            (3, "price"), (4, "amount"), (5, "quantity"), (7, "split_ratio"),
        }  # fmt: skip
        for path in ("/api/v1/imports/preview", "/api/v1/imports"):
            response = await user.client.post(path, json=body)
            assert response.status_code in (200, 422), (path, response.text)
            errors = response.json()["errors"]
            assert {(e["row"], e["field"]) for e in errors} == expected, (path, errors)
            reasons = {(e["row"], e["field"]): e["reason"] for e in errors}
            assert reasons[(3, "price")].startswith("quantity × price is too large")
            assert reasons[(4, "amount")] == "must have at most 6 decimal places"
        assert await _counts(count_rows) == before

    async def test_ghostfolio_numbers_past_the_columns_are_row_errors(
        self, make_user: MakeUser, assets: dict[str, int], count_rows: Count
    ) -> None:
        user = await make_user()
        account = await _account(user)
        before = await _counts(count_rows)
        activities = [
            _activity("BUY", "1", "100"),
            _activity("DIVIDEND", "BIG", "BIG"),  # as JSON numbers
            _activity("INTEREST", "1e999999", "1e999999"),  # as strings
        ]
        content = json.dumps({"activities": activities}).replace('"BIG"', "1e999999")
        body = {"format": "ghostfolio", "content": content, "account_id": account}
        response = await user.client.post("/api/v1/imports", json=body)
        assert response.status_code == 422, response.text
        found = {(e["row"], e["field"]) for e in response.json()["errors"]}
        assert found == {(2, "quantity"), (2, "unitPrice"), (3, "quantity"), (3, "unitPrice")}
        assert await _counts(count_rows) == before

    async def test_an_amount_from_quantity_and_price_is_rounded_to_its_column(
        self, make_user: MakeUser, assets: dict[str, int]
    ) -> None:
        """A dividend of ``quantity × unitPrice`` may have more decimals than the column; it is
        stored rounded, as before, not refused."""
        user = await make_user()
        activities = [
            _activity("BUY", "10", "100"),
            _activity("DIVIDEND", "3.3333333", "0.3333333", date="2025-01-07T00:00:00Z"),
        ]
        body = {"format": "ghostfolio", "content": json.dumps({"activities": activities}),
                "account_id": await _account(user)}  # fmt: skip
        response = await user.client.post("/api/v1/imports", json=body)
        assert response.status_code == 201, response.text
        held = await _holdings(user)
        assert held[("Main", "AAPL")]["dividends"] == "1.111111"


class TestAlreadyBooked:
    """A file imported again: its rows the account holds are marked, and left out on request."""

    ROWS = (
        "2025-01-06,AAPL,buy,2,150,1",
        "2025-01-06,AAPL,buy,2,150,1",  # a second, equal trade on the same day
        "2025-02-03,AAPL,sell,1,160,1",
    )
    HEADER = "date,symbol,type,quantity,price,fee\n"

    @staticmethod
    async def _account(user: Any, name: str = "Broker") -> int:
        created = await user.client.post("/api/v1/accounts", json={"name": name, "currency": "USD"})
        assert created.status_code == 201, created.text
        return int(created.json()["id"])

    def _file(self, rows: tuple[str, ...], account_id: int, **extra: Any) -> dict[str, Any]:
        content = self.HEADER + "".join(f"{row}\n" for row in rows)
        return {"format": "csv", "content": content, "account_id": account_id, **extra}

    async def test_a_file_imported_again_books_only_its_new_rows(
        self, make_user: MakeUser, make_asset: MakeAsset, count_rows: Count
    ) -> None:
        await make_asset("AAPL")
        user = await make_user()
        account = await self._account(user)
        first = await user.client.post("/api/v1/imports", json=self._file(self.ROWS[:1], account))
        assert first.status_code == 201, first.text
        assert first.json()["skipped_rows"] == []

        # one of the two equal buys is booked: only one row matches it
        preview = await user.client.post(
            "/api/v1/imports/preview", json=self._file(self.ROWS, account)
        )
        assert [r["booked"] for r in preview.json()["rows"]] == [True, False, False]
        before = await count_rows("transactions")
        again = await user.client.post(
            "/api/v1/imports", json=self._file(self.ROWS, account, skip_booked=True)
        )
        assert again.status_code == 201, again.text
        assert again.json()["imported"] == 2 and again.json()["skipped_rows"] == [1]
        assert await count_rows("transactions") == before + 2

        # the same file once more: every row is booked, nothing is written
        grown = (*self.ROWS, "2025-03-03,AAPL,buy,1,170,0")
        preview = await user.client.post("/api/v1/imports/preview", json=self._file(grown, account))
        assert [r["booked"] for r in preview.json()["rows"]] == [True, True, True, False]
        last = await user.client.post(
            "/api/v1/imports", json=self._file(grown, account, skip_booked=True)
        )
        assert last.status_code == 201, last.text
        assert last.json()["imported"] == 1 and last.json()["skipped_rows"] == [1, 2, 3]
        held = (await user.client.get(f"/api/v1/accounts/{account}/positions")).json()
        assert [Decimal(p["quantity"]) for p in held["positions"]] == [Decimal(4)]

    async def test_without_skip_booked_the_rows_are_booked_again(
        self, make_user: MakeUser, make_asset: MakeAsset, count_rows: Count
    ) -> None:
        await make_asset("AAPL")
        user = await make_user()
        account = await self._account(user)
        body = self._file(self.ROWS[:1], account)
        assert (await user.client.post("/api/v1/imports", json=body)).status_code == 201
        before = await count_rows("transactions")
        again = await user.client.post("/api/v1/imports", json=body)
        assert again.status_code == 201 and again.json()["skipped_rows"] == []
        assert await count_rows("transactions") == before + 1
        # another account's equal trade is not this one's
        other = await self._account(user, "Other")
        preview = await user.client.post(
            "/api/v1/imports/preview", json=self._file(self.ROWS[:1], other)
        )
        assert [r["booked"] for r in preview.json()["rows"]] == [False]
