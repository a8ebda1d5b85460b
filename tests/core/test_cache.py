"""The Redis price cache against a real Redis: newer-only writes, rebuild from PostgreSQL, and
noticing Redis go and come back."""

from __future__ import annotations

import asyncio
import subprocess
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from pulsefolio.core.cache import CacheWatch, PriceCache, Rebuilt, connect_redis, rebuild
from pulsefolio.core.db.models import Asset, PriceHistory
from pulsefolio.core.db.models import FxRate as FxRateRow
from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.runtime.ports import free_port, port_in_use
from pulsefolio.runtime.servers.redis import EXECUTABLE, config_text

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


class TestRebuild:
    async def test_latest_stored_prices_fill_the_cache_newer_only(
        self, cache: PriceCache, database_url: str
    ) -> None:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                ids = {
                    s: await conn.scalar(
                        insert(Asset).values(symbol=s, name=s, asset_class="stock", currency="USD")
                        .returning(Asset.id)
                    )
                    for s in ("AAPL", "MSFT")
                }  # fmt: skip
                await conn.execute(insert(PriceHistory), [
                    {"asset_id": ids[s], "as_of": T0 + timedelta(minutes=m), "source": "a",
                     "price": Decimal(p), "currency": "USD", "previous_close": Decimal("9")}
                    for s, m, p in (("AAPL", 0, "10"), ("AAPL", 1, "11.5"), ("MSFT", 0, "400"))
                ])  # fmt: skip
                await conn.execute(insert(FxRateRow), [
                    {"base": "EUR", "quote": "USD", "as_of": T0 + timedelta(minutes=m),
                     "source": "a", "rate": Decimal(r)}
                    for m, r in ((0, "1.1"), (1, "1.2"))
                ])  # fmt: skip
            newer = quote("MSFT", "401", T0 + timedelta(hours=1))
            await cache.put_prices([newer])

            done = await rebuild(engine, cache)

            assert done == Rebuilt(prices=2, fx=1, changed_prices=1, changed_fx=1)
            held = await cache.get_prices()
            assert (held["AAPL"].price, held["AAPL"].previous_close) == (Decimal("11.5"), 9)
            assert held["MSFT"] == newer  # the cache's newer price stays
            assert (await cache.get_fx())["EURUSD"].rate == Decimal("1.2")
            assert await rebuild(engine, cache) == Rebuilt(2, 1, 0, 0)
        finally:
            await engine.dispose()


def _redis(port: int, directory: Path) -> subprocess.Popen[bytes]:
    """A private redis-server, returned once it accepts connections."""
    config = directory / "redis.conf"
    config.write_text(config_text(directory, "127.0.0.1", port))
    server = subprocess.Popen([str(EXECUTABLE), str(config)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not port_in_use("127.0.0.1", port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return server


class TestCacheWatch:
    async def test_reports_down_and_back(self, tmp_path: Path) -> None:
        port, events = free_port(), []

        async def up() -> None:
            events.append("up")

        async def down() -> None:
            events.append("down")

        server = _redis(port, tmp_path)
        client = connect_redis(f"redis://127.0.0.1:{port}/0")
        watch = CacheWatch(client, on_up=up, on_down=down, interval=0.2)
        try:
            async with watch.running():
                await _until(lambda: events == ["up"])
                server.kill()
                server.wait()
                await _until(lambda: events == ["up", "down"])
                server = _redis(port, tmp_path)
                await _until(lambda: events == ["up", "down", "up"])
        finally:
            server.kill()
            server.wait()
            await client.aclose()
        assert watch.up is True


async def _until(condition, within: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
