"""A price cache on the test Redis, under this test's namespace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from pulsefolio.core.cache import PriceCache, connect_redis


@pytest_asyncio.fixture
async def cache(redis_url: str, stream_namespace: str) -> AsyncIterator[PriceCache]:
    client = connect_redis(redis_url)
    yield PriceCache(client, stream_namespace)
    await client.aclose()
