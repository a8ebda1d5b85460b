"""Lots, realized gains, value history and returns through the API, figures worked by hand."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
import pyxirr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.portfolio.performance import build

MakeUser = Callable[..., Awaitable[Any]]
MakeAsset = Callable[..., Awaitable[int]]
TODAY = datetime.now(UTC).date()


def custom(start: date, end: date) -> str:
    """The query of a custom range from ``start`` (excluded) to ``end``."""
    return f"range=custom&start={start}&end={end}"


def at(day: date, hour: int = 15) -> str:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC).isoformat()


async def account(user: Any, currency: str, method: str = "fifo") -> int:
    response = await user.client.post(
        "/api/v1/accounts", json={"name": f"{currency} {method}", "currency": currency,
                                  "cost_method": method}
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def post(user: Any, account_id: int, **body: Any) -> dict[str, Any]:
    response = await user.client.post(f"/api/v1/accounts/{account_id}/transactions", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def prices(db: AsyncEngine, asset_id: int, currency: str, points: dict[date, str]) -> None:
    rows = [{"a": asset_id, "t": at(d, 20), "s": "manual", "p": p, "c": currency}
            for d, p in points.items()]  # fmt: skip
    await insert(db, "price_history (asset_id, as_of, source, price, currency)", rows)


async def rates(db: AsyncEngine, base: str, quote: str, points: dict[date, str]) -> None:
    rows = [{"b": base, "q": quote, "t": at(d, 16), "s": "manual", "r": r}
            for d, r in points.items()]  # fmt: skip
    await insert(db, "fx_rates (base, quote, as_of, source, rate)", rows)


async def insert(db: AsyncEngine, into: str, rows: list[dict[str, Any]]) -> None:
    """Rows in the order of ``into``'s columns; time ``t``, amounts ``p`` or ``r``."""
    values = ", ".join(f":{k}" for k in rows[0])
    convert = {"t": datetime.fromisoformat, "p": D, "r": D}
    parsed = [{k: convert.get(k, lambda v: v)(v) for k, v in row.items()} for row in rows]
    async with db.begin() as conn:
        await conn.execute(text(f"INSERT INTO {into} VALUES ({values})"), parsed)  # noqa: S608


async def booked(user: Any, asset: int, db: AsyncEngine, d: list[date], currency: str) -> int:
    """A new account in ``currency``: d0 DEPOSIT 1000, BUY 10 @ 100; d1 price 110; d2 DEPOSIT
    1100 (110 carried); d3 price 99; d4 WITHDRAWAL 500 (99 carried)."""
    await prices(db, asset, currency, {d[0]: "100", d[1]: "110", d[3]: "99"})
    acc = await account(user, currency)
    await post(user, acc, type="DEPOSIT", amount="1000", executed_at=at(d[0], 9))
    await post(user, acc, type="BUY", asset_id=asset, quantity="10", price="100",
               executed_at=at(d[0], 10))  # fmt: skip
    await post(user, acc, type="DEPOSIT", amount="1100", executed_at=at(d[2]))
    await post(user, acc, type="WITHDRAWAL", amount="500", executed_at=at(d[4]))
    return acc


class TestLotsAndRealized:
    """The same trades in a FIFO and an average-cost account.

    BUY 10 @ 100 (day 1), BUY 10 @ 120 (day 2), SELL 15 @ 130 with fee 3 (day 3),
    DIVIDEND 5 (day 4).
    FIFO closes lot 1 (10 units, cost 1000, proceeds 1300, fee 3*10/15 = 2, gain 298) and 5
    units of lot 2 (cost 600, proceeds 650, fee 1, gain 49): 347 net; open: 5 @ 120 = 600.
    AVERAGE prices every unit at (1000 + 1200) / 20 = 110: lot 1's 10 units cost 1100
    (gain 1300 - 1100 - 2 = 198), lot 2's 5 cost 550 (650 - 550 - 1 = 99): 297 net;
    open: 5 @ 110 = 550.
    """

    async def _trade(self, user: Any, asset: int, method: str) -> int:
        acc = await account(user, "USD", method)
        d0 = date(2026, 3, 2)
        await post(user, acc, type="DEPOSIT", amount="5000", executed_at=at(d0))
        for day, kind, qty, price, fee in (
            (1, "BUY", "10", "100", "0"),
            (2, "BUY", "10", "120", "0"),
            (3, "SELL", "15", "130", "3"),
        ):
            await post(user, acc, type=kind, asset_id=asset, quantity=qty, price=price, fee=fee,
                       executed_at=at(d0 + timedelta(days=day)))  # fmt: skip
        await post(user, acc, type="DIVIDEND", asset_id=asset, amount="5",
                   executed_at=at(d0 + timedelta(days=4)))  # fmt: skip
        return acc

    async def test_fifo_against_average(self, make_user: MakeUser, make_asset: MakeAsset) -> None:
        user = await make_user()
        asset = await make_asset("ACME")
        fifo, average = (
            await self._trade(user, asset, "fifo"),
            await self._trade(user, asset, "average"),
        )

        expected = {fifo: ("600", ["298.00", "49.00"], "347.00", "350.00"),
                    average: ("550", ["198.00", "99.00"], "297.00", "300.00")}  # fmt: skip
        for acc, (open_cost, gains, total, gross) in expected.items():
            lots = (await user.client.get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
            assert [(lot["quantity"], lot["cost"]) for lot in lots] == [("5", f"{open_cost}.00")]
            assert lots[0]["opened"] == "2026-03-04"  # what is left is the second purchase
            report = (await user.client.get(f"/api/v1/accounts/{acc}/realized?year=2026")).json()
            assert [s["gain_net"] for s in report["sales"]] == gains
            assert [s["quantity"] for s in report["sales"]] == ["10", "5"]
            assert [s["fees"] for s in report["sales"]] == ["2.00", "1.00"]
            assert (report["totals"]["gain_net_base"], report["totals"]["gain_gross_base"]) == (
                total, gross,
            )  # fmt: skip
            positions = (await user.client.get(f"/api/v1/accounts/{acc}/positions")).json()
            position = positions["positions"][0]
            assert position["cost_basis"] == open_cost
            assert position["cost_basis_base"] == open_cost  # base is USD
            assert (position["realized_gain_gross"], position["realized_gain_net"]) == (
                gross[:-3], total[:-3],
            )  # fmt: skip
            assert position["fees"] == {
                "purchase": "0", "sale": "3", "withholding": "0", "other": "0", "total": "3",
            }  # fmt: skip

        # income is the dividend; fees the sale fee; realized 350 before fees, 347 after (FIFO)
        perf = (await user.client.get(f"/api/v1/accounts/{fifo}/performance?range=MAX")).json()
        g = perf["gain"]
        assert (g["realized_gain_gross"], g["realized_gain_net"], g["income"]) == (
            "350.00", "347.00", "5.00",
        )  # fmt: skip
        assert (g["expensed_fees"], g["fees"]["sale"], g["fees"]["total"]) == ("3.00",) * 3
        assert D(g["gain_gross"]) - D(g["gain_net"]) == D("3.00")

    async def test_realized_csv_for_a_tax_adviser(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        user = await make_user()
        acc = await self._trade(user, await make_asset("ACME"), "fifo")

        response = await user.client.get(f"/api/v1/accounts/{acc}/realized?year=2026&format=csv")

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:3] == ["sale_date", "opened_date", "holding_period_days"]
        assert [(r[0], r[1], r[2], r[5], r[9], r[10]) for r in rows[1:3]] == [
            ("2026-03-05", "2026-03-03", "2", "10", "300.00", "298.00"),
            ("2026-03-05", "2026-03-04", "1", "5", "50.00", "49.00"),
        ]
        assert rows[3][0] == "TOTAL" and rows[3][-1] == "347.00"
        empty = await user.client.get(f"/api/v1/accounts/{acc}/realized?year=2025&format=csv")
        assert len(list(csv.reader(io.StringIO(empty.text)))) == 2  # header and totals

    async def test_switching_to_average_cost_rederives_the_position(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        user = await make_user()
        acc = await self._trade(user, await make_asset("ACME"), "fifo")

        changed = await user.client.patch(
            f"/api/v1/accounts/{acc}", json={"cost_method": "average"}
        )
        bad = await user.client.patch(f"/api/v1/accounts/{acc}", json={"cost_method": "newest"})

        assert changed.status_code == 200
        assert bad.status_code == 422 and "cost_method" in bad.json()["fields"]
        positions = (await user.client.get(f"/api/v1/accounts/{acc}/positions")).json()
        assert positions["positions"][0]["cost_basis"] == "550"

    async def test_reverse_split_then_sale(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        # BUY 25 @ 4 = 100; 1:10 split -> 2.5 units at 40; SELL 1 @ 50: gain 50 - 40 = 10;
        # left 1.5 units costing 60.
        user = await make_user()
        asset = await make_asset("ACME")
        acc = await account(user, "USD")
        d0 = date(2026, 4, 1)
        await post(user, acc, type="BUY", asset_id=asset, quantity="25", price="4",
                   executed_at=at(d0))  # fmt: skip
        await post(user, acc, type="SPLIT", asset_id=asset, split_numerator="1",
                   split_denominator="10", executed_at=at(d0 + timedelta(days=1)))  # fmt: skip
        await post(user, acc, type="SELL", asset_id=asset, quantity="1", price="50",
                   executed_at=at(d0 + timedelta(days=2)))  # fmt: skip

        lots = (await user.client.get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
        report = (await user.client.get(f"/api/v1/accounts/{acc}/realized?year=2026")).json()

        assert [(lot["quantity"], lot["cost"], lot["cost_per_unit"]) for lot in lots] == [
            ("1.5", "60.00", "40")
        ]
        assert [(s["cost"], s["gain_net"]) for s in report["sales"]] == [("40.00", "10.00")]


class TestForeignPurchase:
    """A CHF user buys 10 AAPL at 100 USD 30 days ago at USD/CHF 0.90; today AAPL is 120 USD
    and USD/CHF 0.80.

    Cost in CHF: 1000 * 0.90 = 900. Value today: 1200 * 0.80 = 960 CHF. Gain 60 CHF:
    currency effect = 1000 USD held overnight * (0.80 - 0.90) = -100, price effect
    = (1200 - 1000) * 0.80 = 160. Unrealized in USD: 1200 - 1000 = 200.
    TWR: the day of purchase V = 900 = F (funded from outside), so r = 0; today
    960 / 900 - 1 = 0.066667. XIRR: -900 then +960 thirty days later:
    (960 / 900) ** (365 / 30) - 1.
    """

    BOUGHT = TODAY - timedelta(days=30)

    async def buy(self, user: Any, aapl: int) -> int:
        acc = await account(user, "USD")
        await post(user, acc, type="BUY", asset_id=aapl, quantity="10", price="100",
                   executed_at=at(self.BOUGHT, 10))  # fmt: skip
        return acc

    async def test_cost_gain_and_returns_in_chf(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user, aapl = await make_user(base_currency="CHF"), await make_asset("AAPL")
        bought = self.BOUGHT
        await rates(db, "USD", "CHF", {bought: "0.90", TODAY: "0.80"})
        await prices(db, aapl, "USD", {TODAY: "120"})
        acc = await self.buy(user, aapl)

        lots = (await user.client.get(f"/api/v1/accounts/{acc}/lots")).json()["lots"]
        perf = (await user.client.get("/api/v1/portfolio/performance?range=MAX")).json()
        history = (await user.client.get("/api/v1/portfolio/history?range=MAX")).json()

        assert (lots[0]["cost_base"], lots[0]["unrealized_gain"]) == ("900.00", "200.00")
        assert lots[0]["unrealized_gain_base"] == "60.00"
        assert perf["base_currency"] == "CHF"
        assert perf["gain"]["gain_net"] == "60.00"
        assert (perf["gain"]["price_effect"], perf["gain"]["currency_effect"]) == (
            "160.00", "-100.00",
        )  # fmt: skip
        assert perf["twr"] == "0.066667"
        assert float(perf["xirr"]) == pytest.approx((960 / 900) ** (365 / 30) - 1, abs=1e-6)
        assert perf["xirr_note"] is None
        first, last = history["points"][0], history["points"][-1]
        assert (first["date"], first["value"], first["net_inflow"]) == (
            bought.isoformat(), "900.00", "900.00",
        )  # fmt: skip
        assert (last["value"], last["carried_forward"]) == ("960.00", False)
        assert history["points"][1]["carried_forward"] is True  # the trade price stands in

    async def test_changing_base_currency_recomputes_base_cost(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user, aapl = await make_user(base_currency="CHF"), await make_asset("AAPL")
        # CHF: 1000 USD * 0.90 = 900; EUR from an EUR/USD row 1.25: 1000 / 1.25 = 800
        await rates(db, "USD", "CHF", {self.BOUGHT: "0.90"})
        await rates(db, "EUR", "USD", {self.BOUGHT - timedelta(days=2): "1.25"})
        acc = await self.buy(user, aapl)

        async def base_cost() -> D:
            async with db.connect() as conn:
                return (
                    await conn.execute(
                        text("SELECT cost_basis_base FROM positions WHERE account_id = :a"),
                        {"a": acc},
                    )
                ).scalar_one()

        assert await base_cost() == D("900")
        assert (await user.client.patch("/api/v1/me", json={"base_currency": "EUR"})).is_success
        assert await base_cost() == D("800")


class TestTimeWeighted:
    """CHF throughout. d0: DEPOSIT 1000, BUY 10 @ 100; d1: price 110; d2: DEPOSIT 1100
    (no price: 110 carried); d3: price 99; d4: WITHDRAWAL 500 (99 carried).

    Values: d0 1000, d1 1100, d2 1100 + 1100 = 2200, d3 990 + 1100 = 2090,
    d4 990 + 600 = 1590. Daily returns with flows at the start of the day:
    d1 1100/1000 - 1 = +10%, d2 2200/(1100 + 1100) - 1 = 0, d3 2090/2200 - 1 = -5%,
    d4 1590/(2090 - 500) - 1 = 0. TWR = 1.10 * 0.95 - 1 = 0.045.
    Gain = 1590 - (1000 + 1100 - 500) = -10: all unrealized.
    """

    async def test_deposits_and_withdrawals_mid_period(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="CHF")
        asset = await make_asset("NESN", currency="CHF")
        d0 = date(2026, 5, 4)
        d = [d0 + timedelta(days=i) for i in range(5)]
        acc = await booked(user, asset, db, d, "CHF")

        query = f"range=custom&start={d0 - timedelta(days=1)}&end={d[4]}"
        history = (await user.client.get(f"/api/v1/accounts/{acc}/history?{query}")).json()
        perf = (await user.client.get(f"/api/v1/accounts/{acc}/performance?{query}")).json()
        weekly = (await user.client.get(f"/api/v1/portfolio/history?{query}&interval=week")).json()

        points = history["points"]
        assert [p["value"] for p in points] == ["1000.00", "1100.00", "2200.00", "2090.00",
                                                "1590.00"]  # fmt: skip
        assert [p["net_inflow"] for p in points] == ["1000.00", "0.00", "1100.00", "0.00",
                                                     "-500.00"]  # fmt: skip
        assert [p["carried_forward"] for p in points] == [False, False, True, False, True]
        assert perf["twr"] == "0.045000"
        assert (perf["gain"]["gain_net"], perf["gain"]["unrealized"]) == ("-10.00", "-10.00")
        # money-weighted: -1000 on d0, -1100 on d2, +500 withdrawn and +1590 held on d4
        theirs = pyxirr.xirr([d[0], d[2], d[4], d[4]], [-1000, -1100, 500, 1590])
        assert float(perf["xirr"]) == pytest.approx(theirs, rel=1e-5)
        holding = (
            await user.client.get(f"/api/v1/accounts/{acc}/history?{query}&asset_id={asset}")
        ).json()["points"]
        # 10 units at 100, 110, 110 (carried), 99, 99 (carried); bought for 1000 on d0
        assert [(p["value"], p["value_asset"]) for p in holding] == [
            (v, v) for v in ("1000.00", "1100.00", "1100.00", "990.00", "990.00")
        ]
        assert holding[0]["net_inflow"] == "1000.00"
        # the holding alone: 1000 put in on d0, then 1100/1000 and 990/1100: TWR 1.1 * 0.9 - 1
        alone = await user.client.get(
            f"/api/v1/accounts/{acc}/performance?{query}&asset_id={asset}"
        )
        assert (alone.json()["twr"], alone.json()["gain"]["gain_net"]) == ("-0.010000", "-10.00")
        # 2026-05-04 is a Monday: the week's Sunday (05-10) is after the end, so the end only
        assert [(p["date"], p["net_inflow"]) for p in weekly["points"]] == [
            (d[4].isoformat(), "1600.00")
        ]


class TestCache:
    async def test_a_hit_until_a_new_transaction(
        self, make_user: MakeUser, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        computed: list[int] = []
        compute = build._compute

        async def counting(*args: Any) -> build.Scope:
            computed.append(1)
            return await compute(*args)

        monkeypatch.setattr(build, "_compute", counting)
        user = await make_user()
        acc = await account(user, "USD")
        await post(user, acc, type="DEPOSIT", amount="100", executed_at=at(TODAY, 0))

        async def today_value() -> str:
            response = await user.client.get(f"/api/v1/accounts/{acc}/history?range=1D")
            return str(response.json()["points"][-1]["value"])

        assert (await today_value(), await today_value(), len(computed)) == ("100.00", "100.00", 1)
        await post(user, acc, type="DEPOSIT", amount="50", executed_at=at(TODAY, 0))
        assert (await today_value(), len(computed)) == ("150.00", 2)


class TestAccess:
    async def test_another_users_account_is_not_found(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        owner, stranger = await make_user(), await make_user()
        acc = await account(owner, "USD")
        for path in ("history", "performance", "lots", "realized", "realized?format=csv"):
            response = await stranger.client.get(f"/api/v1/accounts/{acc}/{path}")
            assert response.status_code == 404, path

    async def test_bad_range_and_unknown_holding(self, make_user: MakeUser) -> None:
        user = await make_user()
        acc = await account(user, "USD")
        await post(user, acc, type="DEPOSIT", amount="10", executed_at=at(TODAY))

        bad = await user.client.get("/api/v1/portfolio/performance?range=2W")
        custom = await user.client.get("/api/v1/portfolio/history?range=custom")
        holding = await user.client.get(f"/api/v1/accounts/{acc}/history?asset_id=999999")

        assert bad.status_code == 422 and "range" in bad.text
        assert custom.status_code == 422
        missing = "is required with range=custom"
        assert custom.json()["fields"] == {"query.start": missing, "query.end": missing}
        assert holding.status_code == 404

    async def test_empty_portfolio(self, make_user: MakeUser) -> None:
        user = await make_user()

        perf = (await user.client.get("/api/v1/portfolio/performance")).json()
        history = (await user.client.get("/api/v1/portfolio/history?range=YTD")).json()

        assert (perf["twr"], perf["xirr"], perf["xirr_note"]) == (None, None, "no transactions")
        assert history["points"] == [] and history["range"] == "YTD"
