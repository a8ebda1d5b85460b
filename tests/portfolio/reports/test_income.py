"""``/api/v1/reports/income``: dividends and interest by month, year and holding, in the base
currency, JSON and CSV.

A CHF user. USD account: BUY 10 AAPL @ 100 on 2025-01-10; DIVIDEND 10 USD withholding 1.50 at
23:30 UTC on 31 January (USD/CHF 0.91: gross 9.10, withholding 1.365, half-even 1.36, net
7.74) and another at 00:30 UTC on 1 February (0.92: 9.20, 1.38, 7.82). EUR account: BUY 5
SAP @ 200 on 2025-03-03 (EUR/CHF 0.95: cost 950 CHF); INTEREST 3 EUR on 2025-06-15 (0.94:
2.82); DIVIDEND 11.11 EUR withholding 2.93 at 22:00 UTC on 31 December (0.9333: 10.368963 ->
10.37, 2.734569 -> 2.73, 7.64) and DIVIDEND 5 EUR at 01:00 UTC on 1 January 2026 (the 31
December rate carried: 4.6665 -> 4.67).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.portfolio.performance.test_endpoints import (
    TODAY,
    MakeAsset,
    MakeUser,
    account,
    custom,
    post,
    rates,
)

URL = "/api/v1/reports/income"
AMOUNTS = ("payments", "gross", "withholding", "net")


def amounts(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[k] for k in AMOUNTS)


async def _ledger(user: Any, db: AsyncEngine, make_asset: MakeAsset) -> tuple[int, int]:
    await rates(db, "USD", "CHF", {date(2025, 1, 10): "0.90", date(2025, 1, 31): "0.91",
                                   date(2025, 2, 1): "0.92"})  # fmt: skip
    await rates(db, "EUR", "CHF", {date(2025, 3, 3): "0.95", date(2025, 6, 15): "0.94",
                                   date(2025, 12, 31): "0.9333"})  # fmt: skip
    aapl = await make_asset("AAPL", name="Apple Inc.")
    sap = await make_asset("SAP", currency="EUR", name="SAP SE")
    usd, eur = await account(user, "USD"), await account(user, "EUR")
    for acc, when, body in (
        (usd, "2025-01-10T15:00", {"type": "BUY", "asset_id": aapl, "quantity": "10",
                                   "price": "100"}),
        (usd, "2025-01-31T23:30", {"type": "DIVIDEND", "asset_id": aapl, "amount": "10",
                                   "fee": "1.50"}),
        (usd, "2025-02-01T00:30", {"type": "DIVIDEND", "asset_id": aapl, "amount": "10",
                                   "fee": "1.50"}),
        (eur, "2025-03-03T15:00", {"type": "BUY", "asset_id": sap, "quantity": "5",
                                   "price": "200"}),
        (eur, "2025-06-15T12:00", {"type": "INTEREST", "amount": "3"}),
        (eur, "2025-12-31T22:00", {"type": "DIVIDEND", "asset_id": sap, "amount": "11.11",
                                   "fee": "2.93"}),
        (eur, "2026-01-01T01:00", {"type": "DIVIDEND", "asset_id": sap, "amount": "5"}),
    ):  # fmt: skip
        await post(user, acc, executed_at=f"{when}:00+00:00", **body)
    return usd, eur


class TestIncome:
    async def test_months_years_holdings_and_totals_in_chf(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="CHF")
        usd, eur = await _ledger(user, db, make_asset)

        report = (await user.client.get(URL, params={"to": "2026-01-31"})).json()

        assert (report["base_currency"], report["start"], report["end"]) == (
            "CHF", None, "2026-01-31",
        )  # fmt: skip
        assert report["account_ids"] == sorted([usd, eur])
        assert amounts(report["totals"]) == (5, "36.16", "5.47", "30.69")
        assert amounts(report["interest"]) == (1, "2.82", "0.00", "2.82")
        months = {m["month"]: amounts(m) for m in report["months"]}
        assert list(months) == [f"2025-{m:02d}" for m in range(1, 13)] + ["2026-01"]
        assert months["2025-01"] == (1, "9.10", "1.36", "7.74")
        assert months["2025-02"] == (1, "9.20", "1.38", "7.82")
        assert months["2025-03"] == (0, "0.00", "0.00", "0.00")
        assert months["2025-06"] == (1, "2.82", "0.00", "2.82")
        assert months["2025-12"] == (1, "10.37", "2.73", "7.64")
        assert months["2026-01"] == (1, "4.67", "0.00", "4.67")
        assert [(y["year"], *amounts(y)) for y in report["years"]] == [
            (2025, 4, "31.49", "5.47", "26.02"),
            (2026, 1, "4.67", "0.00", "4.67"),
        ]
        holdings = {h["symbol"]: h for h in report["holdings"]}
        assert [h["symbol"] for h in report["holdings"]] == ["AAPL", "SAP"]  # by net, largest first
        assert amounts(holdings["AAPL"]) == (2, "18.30", "2.74", "15.56")
        assert amounts(holdings["SAP"]) == (2, "15.04", "2.73", "12.31")
        assert (holdings["SAP"]["name"], holdings["SAP"]["currency"]) == ("SAP SE", "EUR")
        assert (holdings["AAPL"]["cost_basis"], holdings["SAP"]["cost_basis"]) == (
            "900.00", "950.00",
        )  # fmt: skip
        for key in ("gross", "withholding", "net"):
            total = D(report["totals"][key])
            assert sum(D(m[key]) for m in report["months"]) == total
            assert sum(D(y[key]) for y in report["years"]) == total
            assert sum(D(h[key]) for h in report["holdings"]) + D(report["interest"][key]) == total

    async def test_each_payment_as_the_performance_route_counts_it(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="CHF")
        await _ledger(user, db, make_asset)

        for day in (date(2025, 1, 31), date(2025, 2, 1), date(2025, 12, 31)):
            report = (await user.client.get(URL, params={"from": day, "to": day})).json()
            perf = await user.client.get(
                f"/api/v1/portfolio/performance?{custom(day - timedelta(days=1), day)}"
            )
            gain = perf.json()["gain"]
            assert report["totals"]["payments"] == 1, day
            assert report["totals"]["gross"] == gain["income"], day
            assert report["totals"]["withholding"] == gain["fees"]["withholding"], day
        # and over every payment at once: both sum the payments rounded one by one
        start, end = date(2024, 12, 31), date(2026, 1, 31)
        report = (await user.client.get(URL, params={"to": end})).json()
        gain = await user.client.get(f"/api/v1/portfolio/performance?{custom(start, end)}")
        assert report["totals"]["payments"] == 5
        assert report["totals"]["gross"] == gain.json()["gain"]["income"]
        assert report["totals"]["withholding"] == gain.json()["gain"]["fees"]["withholding"]

    async def test_range_boundaries_and_one_account(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="CHF")
        usd, eur = await _ledger(user, db, make_asset)

        january = (await user.client.get(URL, params={"from": "2025-01-01",
                                                      "to": "2025-01-31"})).json()  # fmt: skip
        february = (await user.client.get(URL, params={"from": "2025-02-01",
                                                       "to": "2025-02-28"})).json()  # fmt: skip
        only_eur = (await user.client.get(URL, params={"account_id": eur,
                                                       "to": "2025-12-31"})).json()  # fmt: skip
        since = (await user.client.get(URL, params={"account_id": eur, "from": "2025-01-01",
                                                    "to": "2025-12-31"})).json()  # fmt: skip
        both = await user.client.get(URL, params=[("account_id", usd), ("account_id", eur)])

        assert amounts(january["totals"]) == (1, "9.10", "1.36", "7.74")
        assert [m["month"] for m in january["months"]] == ["2025-01"]
        assert amounts(february["totals"]) == (1, "9.20", "1.38", "7.82")
        assert only_eur["account_ids"] == [eur]
        assert amounts(only_eur["totals"]) == (2, "13.19", "2.73", "10.46")
        assert [h["symbol"] for h in only_eur["holdings"]] == ["SAP"]
        # the months run from the first payment (or from the range's start, but not before
        # the account's first transaction) to the end of the range
        assert only_eur["months"][0]["month"] == "2025-06"
        assert only_eur["months"][-1]["month"] == "2025-12"
        assert [m["month"] for m in since["months"]] == [f"2025-{m:02d}" for m in range(3, 13)]
        assert [y["year"] for y in only_eur["years"]] == [2025]
        assert both.status_code == 200 and both.json()["totals"]["payments"] == 5

    async def test_csv_lists_each_payment(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="CHF")
        await _ledger(user, db, make_asset)

        report = (await user.client.get(URL, params={"from": "2025-01-01"})).json()
        response = await user.client.get(URL, params={"from": "2025-01-01", "format": "csv"})

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["date"], r["type"], r["symbol"], r["currency"], r["amount"], r["withheld"],
                 r["fx_rate"], r["gross"], r["withholding"], r["net"]) for r in rows] == [
            ("2025-01-31", "DIVIDEND", "AAPL", "USD", "10.00", "1.50", "0.91", "9.10", "1.36",
             "7.74"),
            ("2025-02-01", "DIVIDEND", "AAPL", "USD", "10.00", "1.50", "0.92", "9.20", "1.38",
             "7.82"),
            ("2025-06-15", "INTEREST", "", "EUR", "3.00", "0.00", "0.94", "2.82", "0.00", "2.82"),
            ("2025-12-31", "DIVIDEND", "SAP", "EUR", "11.11", "2.93", "0.9333", "10.37", "2.73",
             "7.64"),
            ("2026-01-01", "DIVIDEND", "SAP", "EUR", "5.00", "0.00", "0.9333", "4.67", "0.00",
             "4.67"),
        ]  # fmt: skip
        assert {r["base_currency"] for r in rows} == {"CHF"}
        for key in ("gross", "withholding", "net"):
            assert str(sum(D(r[key]) for r in rows)) == report["totals"][key]


class TestTrailingYear:
    async def test_trailing_twelve_months_and_yield_on_cost(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        user = await make_user()
        held, sold = await make_asset("KO"), await make_asset("PEP")
        acc = await account(user, "USD")

        def at(days_ago: int) -> str:
            return f"{TODAY - timedelta(days=days_ago)}T12:00:00+00:00"

        for days_ago, body in (
            (400, {"type": "BUY", "asset_id": held, "quantity": "20", "price": "40", "fee": "4"}),
            (390, {"type": "DIVIDEND", "asset_id": held, "amount": "9"}),
            (200, {"type": "DIVIDEND", "asset_id": held, "amount": "8", "fee": "1.20"}),
            (30, {"type": "DIVIDEND", "asset_id": held, "amount": "7", "fee": "1.05"}),
            (300, {"type": "BUY", "asset_id": sold, "quantity": "3", "price": "50"}),
            (100, {"type": "DIVIDEND", "asset_id": sold, "amount": "2"}),
            (50, {"type": "SELL", "asset_id": sold, "quantity": "3", "price": "55"}),
        ):
            await post(user, acc, executed_at=at(days_ago), **body)

        report = (await user.client.get(URL)).json()

        ko, pep = (next(h for h in report["holdings"] if h["asset_id"] == a) for a in (held, sold))
        assert amounts(ko) == (3, "24.00", "2.25", "21.75")
        assert (ko["trailing_12m_gross"], ko["trailing_12m_net"]) == ("15.00", "12.75")
        assert ko["cost_basis"] == "804.00"  # the purchase fee is in the cost basis
        assert ko["yield_on_cost"] == "0.018657"  # 15 / 804
        assert (pep["trailing_12m_gross"], pep["cost_basis"], pep["yield_on_cost"]) == (
            "2.00", "0.00", None,
        )  # fmt: skip
        assert report["start"] is None and report["end"] == TODAY.isoformat()


class TestAccessAndInput:
    async def test_another_users_account_is_not_found(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        owner, stranger = await make_user(base_currency="CHF"), await make_user()
        usd, _ = await _ledger(owner, db, make_asset)
        theirs = await account(stranger, "USD")

        foreign = await stranger.client.get(URL, params={"account_id": usd})
        mixed = await stranger.client.get(URL, params=[("account_id", theirs), ("account_id", usd)])
        own = (await stranger.client.get(URL)).json()
        anonymous = await stranger.client.get(URL, headers={"Authorization": "Bearer nope"})

        assert foreign.status_code == 404 and foreign.json()["error"] == "NotFound"
        assert mixed.status_code == 404
        assert own["account_ids"] == [theirs]
        assert amounts(own["totals"]) == (0, "0.00", "0.00", "0.00")
        assert (own["months"], own["years"], own["holdings"]) == ([], [], [])
        assert anonymous.status_code == 401

    async def test_bad_dates_and_ids_name_the_field(self, make_user: MakeUser) -> None:
        user = await make_user()

        answers = {
            "query.from": await user.client.get(URL, params={"from": "2025-13-01"}),
            "query.to": await user.client.get(URL, params={"to": "yesterday"}),
            "query.account_id.0": await user.client.get(URL, params={"account_id": "abc"}),
            "to": await user.client.get(URL, params={"from": "2025-03-02", "to": "2025-03-01"}),
            "query.format": await user.client.get(URL, params={"format": "xml"}),
        }

        for name, answer in answers.items():
            assert answer.status_code == 422, name
            body = answer.json()
            assert body["error"] == "ValidationFailed" and name in body["fields"], body
        assert answers["to"].json()["fields"]["to"] == "must not be before from"
        later = await user.client.get(URL, params={"from": str(TODAY + timedelta(days=30))})
        assert later.status_code == 200 and later.json()["totals"]["payments"] == 0
