"""The portfolio's TWR beside a benchmark asset's return, and both drawdowns, worked by hand."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from .test_endpoints import (
    TODAY,
    MakeAsset,
    MakeUser,
    account,
    at,
    booked,
    custom,
    post,
    prices,
    rates,
)

D0 = date(2026, 5, 4)
DAYS = [D0 + timedelta(days=i) for i in range(5)]


async def benchmark(user: Any, query: str, path: str = "/api/v1/portfolio") -> dict[str, Any]:
    response = await user.client.get(f"{path}/benchmark?{query}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def against(
    make_user: MakeUser,
    make_asset: MakeAsset,
    db: AsyncEngine,
    closes: dict[date, str],
    days: list[date] = DAYS,
) -> tuple[Any, int, int]:
    """A user with the ledger of :func:`.test_endpoints.booked` on ``days``, and an index
    priced ``closes``: the user, the account and the index's id."""
    user = await make_user()
    stock, index = await make_asset("NESN"), await make_asset("IDX", asset_class="etf")
    acc = await booked(user, stock, db, days, "USD")
    if closes:
        await prices(db, index, "USD", closes)
    return user, acc, index


class TestWorkedExample:
    """The ledger of :func:`.test_endpoints.booked` (values 1000, 1100, 2200, 2090, 1590)
    against an index priced 50 the evening before d0, then 50,
    45, 40, 48, 55.

    Portfolio: daily growth with flows at the start of the day 1 (d0, funded from outside),
    1.1, 2200 / (1100 + 1100) = 1, 2090 / 2200 = 0.95, 1590 / (2090 - 500) = 1: cumulative 0,
    0.10, 0.10, 0.045, 0.045. Index 1, 1.1, 1.1, 1.045, 1.045: peak 1.1 (last on d2), trough
    d3 at 1.045 / 1.1 - 1 = -5 %, not recovered.
    Index: 50 / 50 - 1 = 0, -0.10, -0.20, -0.04, +0.10; peak d0 (at the start's level),
    trough d2 at -20 %, back above the peak on d4. Excess 0.045 - 0.100 = -0.055.
    """

    async def test_returns_and_drawdowns(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        closes = ["50", "50", "45", "40", "48", "55"]
        days = dict(zip([D0 - timedelta(days=1), *DAYS], closes, strict=True))
        user, acc, index = await against(make_user, make_asset, db, days)
        query = f"{custom(D0 - timedelta(days=1), DAYS[4])}&asset_id={index}"

        answer = await benchmark(user, query)

        assert answer["asset"] == {"asset_id": index, "symbol": "IDX", "name": "IDX Inc.",
                                   "currency": "USD"}  # fmt: skip
        assert [p["date"] for p in answer["points"]] == [d.isoformat() for d in DAYS]
        assert [p["portfolio"] for p in answer["points"]] == [
            "0.000000", "0.100000", "0.100000", "0.045000", "0.045000",
        ]  # fmt: skip
        assert [p["portfolio_drawdown"] for p in answer["points"]] == [
            "0.000000", "0.000000", "0.000000", "-0.050000", "-0.050000",
        ]  # fmt: skip
        assert [p["benchmark"] for p in answer["points"]] == [
            "0.000000", "-0.100000", "-0.200000", "-0.040000", "0.100000",
        ]  # fmt: skip
        assert [p["benchmark_drawdown"] for p in answer["points"]] == [
            "0.000000", "-0.100000", "-0.200000", "-0.040000", "0.000000",
        ]  # fmt: skip
        assert (answer["twr"], answer["benchmark_return"], answer["excess_return"]) == (
            "0.045000", "0.100000", "-0.055000",
        )  # fmt: skip
        assert answer["benchmark_return_local"] == "0.100000"
        assert answer["benchmark_start"] == (D0 - timedelta(days=1)).isoformat()
        assert answer["max_drawdown"] == {
            "portfolio": {"depth": "-0.050000", "peak": DAYS[2].isoformat(),
                          "trough": DAYS[3].isoformat(), "recovery": None},
            "benchmark": {"depth": "-0.200000", "peak": DAYS[0].isoformat(),
                          "trough": DAYS[2].isoformat(), "recovery": DAYS[4].isoformat()},
        }  # fmt: skip
        # the account alone is the whole portfolio here
        alone = await benchmark(user, query, f"/api/v1/accounts/{acc}")
        assert (alone["twr"], alone["points"]) == (answer["twr"], answer["points"])

    async def test_a_range_inside_the_history(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        # from the close of d1 (portfolio 1100, index 45): portfolio 1, 0.95, 1 -> 0, 0, -0.05,
        # -0.05; index 45 -> 40, 48, 55: -1/9, +1/15, +2/9
        closes = dict(zip(DAYS, ["50", "45", "40", "48", "55"], strict=True))
        user, _, index = await against(make_user, make_asset, db, closes)

        answer = await benchmark(user, f"{custom(DAYS[1], DAYS[4])}&asset_id={index}")

        assert [p["date"] for p in answer["points"]] == [d.isoformat() for d in DAYS[1:]]
        assert [p["portfolio"] for p in answer["points"]] == [
            "0.000000", "0.000000", "-0.050000", "-0.050000",
        ]  # fmt: skip
        assert [p["benchmark"] for p in answer["points"]] == [
            "0.000000", "-0.111111", "0.066667", "0.222222",
        ]  # fmt: skip
        assert answer["max_drawdown"]["portfolio"] == {
            "depth": "-0.050000", "peak": DAYS[2].isoformat(), "trough": DAYS[3].isoformat(),
            "recovery": None,
        }  # fmt: skip
        assert answer["max_drawdown"]["benchmark"]["recovery"] == DAYS[3].isoformat()
        assert answer["excess_return"] == "-0.272222"  # -0.050000 - 0.222222


class TestCurrency:
    """A EUR user holds 1000 EUR cash against a USD index at 100 then 110, while USD/EUR
    goes from 0.90 to 0.80: in EUR 110 * 0.80 / (100 * 0.90) - 1 = 88 / 90 - 1 = -2.2222 %,
    in USD +10 %. The flat portfolio's TWR is 0, so the excess is +2.2222 %."""

    async def test_converted_to_the_base_currency(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user = await make_user(base_currency="EUR")
        index = await make_asset("SPX", currency="USD")
        await rates(db, "USD", "EUR", {DAYS[0]: "0.90", DAYS[2]: "0.80"})
        await prices(db, index, "USD", {DAYS[0]: "100", DAYS[2]: "110"})
        acc = await account(user, "EUR")
        await post(user, acc, type="DEPOSIT", amount="1000", executed_at=at(DAYS[1]))

        answer = await benchmark(user, f"{custom(DAYS[0], DAYS[2])}&asset_id={index}")

        assert answer["base_currency"] == "EUR"
        assert (answer["benchmark_return"], answer["benchmark_return_local"]) == (
            "-0.022222", "0.100000",
        )  # fmt: skip
        assert (answer["twr"], answer["excess_return"]) == ("0.000000", "0.022222")
        # the deposit day is the first with history: the range starts the evening before it
        assert answer["benchmark_start"] == DAYS[0].isoformat()
        assert [p["benchmark"] for p in answer["points"]] == ["0.000000", "-0.022222"]


class TestLatePrices:
    async def test_the_benchmark_starts_at_its_first_price(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        # from the close of d0; the first price is on d2 (40), then 48 and 44: 0, +20 %, +10 %,
        # a 1/12 drawdown from d3
        closes = {DAYS[2]: "40", DAYS[3]: "48", DAYS[4]: "44"}
        user, _, index = await against(make_user, make_asset, db, closes)

        answer = await benchmark(user, f"{custom(D0, DAYS[4])}&asset_id={index}")

        assert [p["benchmark"] for p in answer["points"]] == [
            None, None, "0.000000", "0.200000", "0.100000",
        ]  # fmt: skip
        assert [p["benchmark_drawdown"] for p in answer["points"]] == [
            None, None, "0.000000", "0.000000", "-0.083333",
        ]  # fmt: skip
        assert answer["benchmark_start"] == DAYS[2].isoformat()
        assert answer["max_drawdown"]["benchmark"] == {
            "depth": "-0.083333", "peak": DAYS[3].isoformat(), "trough": DAYS[4].isoformat(),
            "recovery": None,
        }  # fmt: skip

    async def test_an_asset_without_prices_has_no_return(
        self, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        user, _, index = await against(make_user, make_asset, db, {})

        answer = await benchmark(user, f"{custom(D0, DAYS[4])}&asset_id={index}")

        assert answer["twr"] == "0.045000"  # 1.1 * 1 * 0.95 * 1 from the close of d0
        assert (answer["benchmark_return"], answer["excess_return"]) == (None, None)
        assert answer["max_drawdown"]["benchmark"] is None
        assert {p["benchmark"] for p in answer["points"]} == {None}


class TestAgreesWithTheOtherRoutes:
    """A ledger of the last twelve days: every range answers the TWR ``/performance`` does and
    the dates ``/history`` does, for each interval."""

    @pytest.mark.parametrize("rng", ["1D", "1W", "1M", "3M", "6M", "YTD", "1Y", "5Y", "MAX"])
    async def test_same_twr_and_dates(
        self, rng: str, make_user: MakeUser, make_asset: MakeAsset, db: AsyncEngine
    ) -> None:
        days = [TODAY - timedelta(days=12 - 3 * i) for i in range(5)]
        closes = {d: str(100 + 7 * i) for i, d in enumerate(days)}
        user, _, index = await against(make_user, make_asset, db, closes, days)
        for interval in ("day", "week"):
            query = f"range={rng}&interval={interval}"
            answer = await benchmark(user, f"{query}&asset_id={index}")
            perf = (await user.client.get(f"/api/v1/portfolio/performance?{query}")).json()
            history = (await user.client.get(f"/api/v1/portfolio/history?{query}")).json()
            assert answer["twr"] == perf["twr"], (rng, interval)
            assert (answer["start"], answer["end"]) == (perf["start"], perf["end"])
            assert [p["date"] for p in answer["points"]] == [p["date"] for p in history["points"]]
            assert answer["points"][-1]["portfolio"] == perf["twr"]


class TestAccess:
    async def test_another_users_account_is_not_found(
        self, make_user: MakeUser, make_asset: MakeAsset
    ) -> None:
        owner, stranger = await make_user(), await make_user()
        acc, index = await account(owner, "USD"), await make_asset("IDX")
        await post(owner, acc, type="DEPOSIT", amount="10", executed_at=at(TODAY))

        theirs = await stranger.client.get(f"/api/v1/accounts/{acc}/benchmark?asset_id={index}")
        mine = await owner.client.get(f"/api/v1/accounts/{acc}/benchmark?asset_id={index}")

        assert theirs.status_code == 404
        assert mine.status_code == 200 and mine.json()["twr"] == "0.000000"

    async def test_bad_input(self, make_user: MakeUser, make_asset: MakeAsset) -> None:
        user, index = await make_user(), await make_asset("IDX")

        unknown = await user.client.get("/api/v1/portfolio/benchmark?asset_id=999999")
        missing = await user.client.get("/api/v1/portfolio/benchmark?range=1Y")
        bad = await user.client.get(f"/api/v1/portfolio/benchmark?asset_id={index}&range=2W")
        word = await user.client.get("/api/v1/portfolio/benchmark?asset_id=SPY")

        assert unknown.status_code == 404 and "asset_id" in unknown.json()["detail"]
        assert missing.status_code == 422 and list(missing.json()["fields"]) == ["query.asset_id"]
        assert bad.status_code == 422 and list(bad.json()["fields"]) == ["query.range"]
        assert word.status_code == 422 and list(word.json()["fields"]) == ["query.asset_id"]

    async def test_an_empty_portfolio(self, make_user: MakeUser, make_asset: MakeAsset) -> None:
        user, index = await make_user(), await make_asset("IDX")

        answer = await benchmark(user, f"asset_id={index}&range=1Y")

        assert answer["points"] == [] and answer["range"] == "1Y"
        assert (answer["twr"], answer["benchmark_return"]) == (None, None)
