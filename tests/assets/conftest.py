"""Fixtures of the asset service's tests: real PostgreSQL, Redis and NATS, local sources.

The sources here are real implementations of the source contract running in-process: the
simulated market on a clock the test moves, and sources that lie or break on purpose.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
import redis.asyncio as aioredis
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from pulsefolio.assets.sources.base import (
    QuoteResult,
    QuoteSource,
    SourceUnavailable,
    SymbolRequest,
)
from pulsefolio.assets.sources.simulated import SimulatedMarket
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.db.models import Asset, AssetSource, User
from pulsefolio.core.domain import AssetClass, PriceQuote
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Stream, connect_stream

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Scaled(QuoteSource):
    """Answers what ``inner`` answers, times ``factor``: a lying source when factor is off."""

    def __init__(self, name: str, inner: QuoteSource, factor: Decimal | str) -> None:
        self.name = name
        self.inner = inner
        self.factor = Decimal(factor)
        self.calls = 0

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        self.calls += 1
        results = await self.inner.fetch(requests)
        return [
            QuoteResult(
                r.request,
                quote=replace(r.quote, price=r.quote.price * self.factor, source=self.name),
            )
            if r.quote
            else r
            for r in results
        ]


class Broken(QuoteSource):
    """A source that is down: every call raises SourceUnavailable."""

    def __init__(self, name: str = "broken") -> None:
        self.name = name
        self.calls = 0

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        self.calls += 1
        raise SourceUnavailable(f"{self.name}: connection refused")


class Fixed(QuoteSource):
    """Answers every request with one given price and as-of time."""

    def __init__(self, name: str, price: str, as_of: datetime, clock: Clock) -> None:
        self.name, self.price, self.as_of, self.clock = name, Decimal(price), as_of, clock

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        return [
            QuoteResult(r, quote=PriceQuote(r.symbol, self.price, r.currency or "USD",
                                            self.as_of, self.clock(), self.name))
            for r in requests
        ]  # fmt: skip


@pytest.fixture
def scaled() -> type[Scaled]:
    return Scaled


@pytest.fixture
def broken() -> type[Broken]:
    return Broken


@pytest.fixture
def fixed() -> type[Fixed]:
    return Fixed


@dataclass
class Seeded:
    engine: AsyncEngine
    ids: dict[str, int]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def market(clock: Clock) -> SimulatedMarket:
    return SimulatedMarket(seed=7, step_seconds=60, clock=clock)


@pytest.fixture
def settings(tmp_path: Path, stream_namespace: str, database_url: str, redis_url: str,
             nats_url: str) -> Settings:  # fmt: skip
    return Settings(
        data_dir=tmp_path, namespace=stream_namespace, database_url=database_url,
        redis_url=redis_url, nats_url=nats_url, refresh_interval=1.0, secret_key="k" * 40,
    )  # fmt: skip


@pytest_asyncio.fixture(loop_scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def cache(redis_client: aioredis.Redis, stream_namespace: str) -> PriceCache:
    return PriceCache(redis_client, stream_namespace)


@pytest_asyncio.fixture(loop_scope="session")
async def stream(nats_url: str, stream_namespace: str) -> AsyncIterator[Stream]:
    stream = await connect_stream(nats_url, stream_namespace)
    yield stream
    await stream.close()


AssetRow = tuple[str, str, AssetClass, Sequence[tuple[str, str]]]


@pytest.fixture
def seed(engine: AsyncEngine) -> Callable[..., object]:
    """Insert assets ``(symbol, currency, class, [(source, provider_symbol), ...])``."""

    async def make(rows: Sequence[AssetRow], base_currencies: Sequence[str] = ()) -> Seeded:
        ids: dict[str, int] = {}
        async with engine.begin() as conn:
            for symbol, currency, asset_class, sources in rows:
                ids[symbol] = await conn.scalar(
                    insert(Asset)
                    .values(symbol=symbol, name=symbol, asset_class=asset_class, currency=currency)
                    .returning(Asset.id)
                )
                for priority, (source, provider_symbol) in enumerate(sources):
                    await conn.execute(
                        insert(AssetSource).values(
                            asset_id=ids[symbol], source=source,
                            provider_symbol=provider_symbol, priority=priority,
                        )
                    )  # fmt: skip
            for index, currency in enumerate(base_currencies):
                await conn.execute(
                    insert(User).values(
                        email=f"u{index}@example.org", password_hash="x", base_currency=currency
                    )
                )
        return Seeded(engine, ids)

    return make
