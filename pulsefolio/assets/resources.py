"""The connections the asset data service holds for its whole life."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.settings import Settings, require_servers
from pulsefolio.core.stream import Stream, connect_stream


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    redis: aioredis.Redis
    cache: PriceCache
    stream: Stream


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    database_url, redis_url, nats_url = require_servers(settings)
    engine = create_engine(database_url)
    redis = connect_redis(redis_url)
    stream = await connect_stream(nats_url, settings.namespace, settings.stream_replicas)
    try:
        yield Resources(settings, engine, redis, PriceCache(redis, settings.namespace), stream)
    finally:
        await stream.close()
        await redis.aclose()
        await engine.dispose()
