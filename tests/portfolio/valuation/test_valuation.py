"""Hand-computed valuations, the currency split and the sparse fast path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from pulsefolio.core.domain import AssetClass, PriceQuote
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.portfolio.valuation.currency import split_gain
from pulsefolio.portfolio.valuation.lots import replay
from pulsefolio.portfolio.valuation.matrix import (
    build_matrix,
    check_fast_path,
    price_vector,
    revalue_changed,
    totals,
)
from pulsefolio.portfolio.valuation.valuation import Position, positions_from_lots, value_portfolio

from .factory import D, T, entry

NOW = datetime(2025, 6, 2, 16, tzinfo=UTC)


def quote(symbol: str, price: str, currency: str, previous: str | None = None) -> PriceQuote:
    return PriceQuote(
        symbol, D(price), currency, NOW, NOW, "test", D(previous) if previous else None
    )


POSITIONS = [
    Position("a", "ACME", "USD", D(10), D(900), D(810)),
    Position("a", "NESN", "CHF", D(5), D(500), D(500)),
    Position("b", "BND", "EUR", D(20), D(1900), D(1805), AssetClass.BOND),
]
PRICES = {
    "ACME": quote("ACME", "100", "USD", "98"),  # day: (100-98)*10 = 20 USD
    "NESN": quote("NESN", "100", "CHF", "101"),  # day: (100-101)*5 = -5 CHF
    "BND": quote("BND", "100", "EUR"),  # no previous close: no day change
}
FX = {"USD": D("0.9"), "EUR": D("0.95")}


# BUY 10 AAPL @ 150 USD when 1 USD = 0.90 CHF: cost 1500 USD = 1350 CHF.
USD_LEDGER = [entry(1, T.BUY, 0, "AAPL", 10, 150, currency="USD", fx="0.90")]


class TestUsdBoughtByChfUser:
    # BUY 10 AAPL @ 150 USD when 1 USD = 0.90 CHF: cost 1500 USD = 1350 CHF.
    # Today AAPL is 180 USD and 1 USD = 0.85 CHF: value 1800 USD = 1530 CHF.
    # unrealized in CHF: 1530 - 1350 = 180
    # price effect    = (180 - 150) * 10 * 0.90 = 270
    # currency effect = 180 * 10 * (0.85 - 0.90) = -90        270 - 90 = 180

    def test_lots_use_trade_date_rate(self) -> None:
        (lot,) = replay(USD_LEDGER).open_lots
        assert (lot.cost, lot.cost_base) == (1500, 1350)

    def test_valuation(self) -> None:
        positions = positions_from_lots(replay(USD_LEDGER).open_lots)
        result = value_portfolio(
            positions, {"AAPL": quote("AAPL", "180", "USD")}, {"USD": D("0.85")}, "CHF"
        )
        (row,) = result.holdings
        assert (row.value, row.value_base) == (1800, 1530)
        assert row.unrealized == 300  # in USD: 1800 - 1500
        assert row.unrealized_base == 180
        assert (row.price_effect, row.currency_effect) == (270, -90)
        assert (result.price_effect, result.currency_effect) == (270, -90)

    def test_split_gain_alone(self) -> None:
        split = split_gain(D(10), D(1500), D(1350), D(180), D("0.85"))
        assert (split.price, split.currency, split.total) == (270, -90, 180)


class TestValuePortfolio:
    def test_totals_and_rows(self) -> None:
        result = value_portfolio(POSITIONS, PRICES, FX, "CHF", cash={"a": {"CHF": D(100)}})
        # ACME 1000 USD * 0.9 = 900; NESN 500; BND 2000 EUR * 0.95 = 1900; cash 100
        assert [r.value_base for r in result.holdings] == [900, 500, 1900]
        assert result.value_base == 3400
        # day: 20 USD * 0.9 = 18, -5 CHF: 13 on a previous 3400 - 13 = 3387
        assert result.day_change_base == 13
        assert result.day_change_pct == D(13) / D(3387)
        # unrealized: 900 - 810 = 90; 500 - 500 = 0; 1900 - 1805 = 95
        assert result.unrealized_base == 185
        assert result.holdings[0].weight == D(900) / D(3400)
        assert result.holdings[2].day_change_pct is None

    def test_allocations(self) -> None:
        result = value_portfolio(POSITIONS, PRICES, FX, "CHF", cash={"a": {"CHF": D(100)}})
        assert {k: v.value_base for k, v in result.by_asset_class.items()} == {
            "bond": 1900,
            "cash": 100,
            "stock": 1400,
        }
        assert {k: v.value_base for k, v in result.by_currency.items()} == {
            "CHF": 600,
            "EUR": 1900,
            "USD": 900,
        }
        assert {k: v.value_base for k, v in result.by_account.items()} == {"a": 1500, "b": 1900}
        assert sum(v.weight for v in result.by_account.values()) == 1

    def test_missing_price(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            value_portfolio(POSITIONS, {}, FX, "CHF")
        assert "prices" in err.value.fields

    def test_missing_rate(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            value_portfolio(POSITIONS, PRICES, {}, "CHF")
        assert "fx" in err.value.fields

    def test_quote_in_other_currency(self) -> None:
        prices = {**PRICES, "ACME": quote("ACME", "100", "EUR")}
        with pytest.raises(ValidationFailed) as err:
            value_portfolio(POSITIONS, prices, FX, "CHF")
        assert "currency" in err.value.fields


class TestFastPath:
    def test_matrix_product(self) -> None:
        positions = {
            "p1": POSITIONS[:2],
            "p2": POSITIONS[2:],
        }
        held = build_matrix(positions)
        prices = price_vector(held.assets, PRICES, FX, "CHF")
        assert totals(held.quantities, prices).tolist() == [1400.0, 1900.0]
        check = check_fast_path(positions, PRICES, FX, "CHF")
        assert check.ok

    def test_revalue_changed(self) -> None:
        held = build_matrix({"p1": POSITIONS[:2]})
        prices = np.array([90.0, 100.0])
        before = totals(held.quantities, prices)  # 10*90 + 5*100 = 1400
        after = revalue_changed(held.quantities.tocsc(), before, np.array([1]), np.array([2.0]))
        assert after.tolist() == [1410.0]  # NESN up 2: +5*2


def test_decimal_results() -> None:
    result = value_portfolio(POSITIONS, PRICES, FX, "CHF")
    assert isinstance(result.value_base, Decimal)
