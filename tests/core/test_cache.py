"""The Redis price cache against a real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.domain import FxRate, PriceQuote

T0 = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def quote(symbol: str, price: str, as_of: datetime, source: str = "simulated") -> PriceQuote:
    return PriceQuote(symbol, Decimal(price), "USD", as_of, as_of + timedelta(seconds=5), source)


@pytest.fixture
async def cache(redis_url: str):
    client = connect_redis(redis_url)
    yield PriceCache(client, namespace="test")
    await client.aclose()


class TestPutPrices:
    async def test_round_trips_decimals_and_times_exactly(self, cache: PriceCache) -> None:
        original = PriceQuote(
            "AAPL", Decimal("189.1234567891"), "USD", T0, T0, "yahoo", Decimal("187.5")
        )
        assert await cache.put_prices([original]) == ["AAPL"]
        assert (await cache.get_prices(["AAPL"]))["AAPL"] == original

    async def test_older_or_equal_quote_never_replaces_newer(self, cache: PriceCache) -> None:
        await cache.put_prices([quote("MSFT", "400", T0)])
        changed = await cache.put_prices(
            [quote("MSFT", "390", T0 - timedelta(minutes=10)), quote("MSFT", "391", T0)]
        )
        assert changed == []
        assert (await cache.get_prices(["MSFT"]))["MSFT"].price == Decimal("400")

    async def test_newer_quote_replaces_and_reports_only_changed(self, cache: PriceCache) -> None:
        await cache.put_prices([quote("A", "1", T0), quote("B", "2", T0)])
        changed = await cache.put_prices(
            [quote("A", "1.5", T0 + timedelta(minutes=10)), quote("B", "2", T0)]
        )
        assert changed == ["A"]
        prices = await cache.get_prices()
        assert {s: q.price for s, q in prices.items()} == {"A": Decimal("1.5"), "B": Decimal("2")}

    async def test_missing_symbols_are_left_out(self, cache: PriceCache) -> None:
        await cache.put_prices([quote("A", "1", T0)])
        assert set(await cache.get_prices(["A", "NOPE"])) == {"A"}


class TestFx:
    async def test_fx_rates_keyed_by_pair_and_newer_only(self, cache: PriceCache) -> None:
        rate = FxRate("EUR", "USD", Decimal("1.0705"), T0, T0, "ecb")
        stale = FxRate("EUR", "USD", Decimal("1.2"), T0 - timedelta(days=1), T0, "ecb")
        assert await cache.put_fx([rate]) == ["EURUSD"]
        assert await cache.put_fx([stale]) == []
        assert (await cache.get_fx())["EURUSD"].rate == Decimal("1.0705")
