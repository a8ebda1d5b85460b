from __future__ import annotations

import itertools
import math
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pulsefolio.assets.sources.base import FxPair, SymbolRequest, UnknownSymbol
from pulsefolio.assets.sources.simulated import ORIGIN, VOLATILITY, SimulatedMarket
from pulsefolio.core.domain import AssetClass


class TestReproducibility:
    def test_same_seed_same_prices_regardless_of_history(self) -> None:
        first, second = SimulatedMarket(7), SimulatedMarket(7)
        first.price("AAPL", AssetClass.STOCK, 10)  # a different history must not matter
        assert first.price("AAPL", AssetClass.STOCK, 12345) == second.price(
            "AAPL", AssetClass.STOCK, 12345
        )
        assert SimulatedMarket(8).price("AAPL", AssetClass.STOCK, 12345) != second.price(
            "AAPL", AssetClass.STOCK, 12345
        )

    def test_start_price_at_step_zero(self) -> None:
        market = SimulatedMarket(1, start_prices={"X": Decimal("100")})
        assert market.price("X", AssetClass.STOCK, 0) == Decimal("100.00")

    def test_anchor_is_where_the_walk_goes_on(self) -> None:
        at = ORIGIN + timedelta(days=200, hours=21)
        anchored = SimulatedMarket(4, step_seconds=600, anchors={"X": (Decimal("80.00"), at)})
        later = SimulatedMarket(4, step_seconds=600, anchors={"X": (Decimal("80.00"), at)})
        step = anchored.step_at(at)
        assert anchored.price("X", AssetClass.STOCK, step) == Decimal("80.00")
        nearby = [anchored.price("X", AssetClass.STOCK, step + k) for k in (1, 6, 48)]
        assert all(abs(p / 80 - 1) < Decimal("0.05") for p in nearby) and len(set(nearby)) == 3
        # re-anchoring on a price of the same walk continues the same walk
        moved = SimulatedMarket(
            4, step_seconds=600, anchors={"X": (nearby[2], at + timedelta(hours=8))}
        )
        far = step + 500
        assert abs(
            moved.price("X", AssetClass.STOCK, far) / later.price("X", AssetClass.STOCK, far) - 1
        ) < Decimal("0.0002")

    async def test_fetch_stamps_the_step_time(self) -> None:
        now = ORIGIN + timedelta(seconds=125)
        market = SimulatedMarket(3, step_seconds=60, clock=lambda: now)
        [result] = await market.fetch([SymbolRequest("VTI", "VTI", "USD", AssetClass.ETF)])
        assert result.quote is not None
        assert result.quote.as_of == ORIGIN + timedelta(seconds=120)
        assert result.quote.fetched_at == now and result.quote.source == "simulated"
        assert result.quote.price == market.price("VTI", AssetClass.ETF, 2)
        assert result.quote.price > 0 and result.quote.price.as_tuple().exponent == -2


class TestVolatility:
    @pytest.mark.parametrize("asset_class", [AssetClass.STOCK, AssetClass.BOND, AssetClass.CRYPTO])
    def test_annualised_stdev_of_log_returns(self, asset_class: AssetClass) -> None:
        market = SimulatedMarket(11, step_seconds=86400, start_prices={"S": Decimal(1000)})
        prices = [market.price("S", asset_class, k) for k in range(1500)]
        returns = [math.log(b / a) for a, b in itertools.pairwise(prices)]
        annual = statistics.stdev(returns) * math.sqrt(365.25)
        assert annual == pytest.approx(float(VOLATILITY[asset_class]), rel=0.1)


class TestFx:
    async def test_cross_rates_are_consistent(self) -> None:
        now = datetime(2026, 9, 21, tzinfo=UTC)
        market = SimulatedMarket(5, clock=lambda: now)
        eur_usd, usd_jpy, eur_jpy, bad = await market.fetch_fx(
            [FxPair("EUR", "USD"), FxPair("USD", "JPY"), FxPair("EUR", "JPY"), FxPair("USD", "XXX")]
        )
        assert eur_usd.quote and usd_jpy.quote and eur_jpy.quote
        implied = eur_usd.quote.rate * usd_jpy.quote.rate
        assert abs(implied / eur_jpy.quote.rate - 1) < Decimal("1e-6")
        assert isinstance(bad.error, UnknownSymbol)
