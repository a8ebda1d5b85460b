"""The connections a portfolio-service process holds for its whole life.

With a read replica (``database_replica_url``), :meth:`Resources.session` routes each request:
GET and HEAD read from the replica, everything else uses the primary. So that callers always
read their own writes, each commit on the primary records its WAL position in Redis under the
caller (instances are several, so the record is shared, not in-process); a read by that caller
first waits up to ``read_your_writes_wait`` seconds for the replica to replay that position, and
reads the primary if it does not. The caller is the user, whichever credential they send (an
access token, or a personal API token), so what a script writes the user's browser reads at
once. Writes without a caller (sign-up, login) are recorded under one shared key that every read
honours, so a fresh token works on the very next read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.settings import Settings, require_servers
from pulsefolio.core.stream import Stream, connect_stream
from pulsefolio.portfolio.auth.cache import VerifiedTokens

log = logging.getLogger(__name__)

READS = frozenset({"GET", "HEAD"})
WRITE_TTL_SECONDS = 30
# Connections kept open per engine: above the requests one instance has in flight (the gateway
# sends 16 under the benchmark's load), so busy periods reuse connections instead of opening
# and closing overflow ones. PostgreSQL's default max_connections (100) still fits a few
# instances with their replica and relay engines.
POOL = 20
OVERFLOW = 5
_LSN = text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
_REPLAYED = text("SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
# Keep the highest position: two writes by one caller may record out of order.
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
"""


@dataclass
class Resources:
    settings: Settings
    instance_id: str
    engine: AsyncEngine
    redis: aioredis.Redis
    cache: PriceCache
    stream: Stream
    read_engine: AsyncEngine | None = None
    verified: VerifiedTokens = field(default_factory=VerifiedTokens)

    async def session(self, method: str, user_id: int | None) -> AsyncSession:
        """A session for one request with ``method`` by user ``user_id`` (None: anonymous)."""
        if self.read_engine is None:
            return AsyncSession(self.engine, expire_on_commit=False)
        keys = [self._key(user_id), self._key(None)]
        if method not in READS:
            return RecordingSession(self, keys[0], bind=self.engine, expire_on_commit=False)
        try:
            needed = max(int(value or 0) for value in await self.redis.mget(keys))
        except RedisError:
            return AsyncSession(self.engine, expire_on_commit=False)
        replica = AsyncSession(self.read_engine, expire_on_commit=False)
        if needed == 0 or await self._replayed(replica, needed):
            return replica
        await replica.close()
        return AsyncSession(self.engine, expire_on_commit=False)

    async def record(self, key: str, session: AsyncSession) -> None:
        """Remember the WAL position a commit just reached, for reads by the same caller.

        Never raises: the write is committed, and an error here must not report it as failed.
        """
        try:
            position = int((await session.execute(_LSN)).scalar_one())
        except SQLAlchemyError as exc:
            log.warning("could not read the position of a commit: %s", exc)
            return
        try:
            await self.redis.eval(_RAISE, 1, key, str(position), str(WRITE_TTL_SECONDS))
        except RedisError as exc:  # then let the replica catch up before answering
            log.warning("could not record a write position for read-your-writes: %s", exc)
            assert self.read_engine is not None
            try:
                async with AsyncSession(self.read_engine) as replica:
                    await self._replayed(replica, position)
            except SQLAlchemyError as wait_error:
                log.warning("could not wait for the replica: %s", wait_error)

    async def _replayed(self, replica: AsyncSession, needed: int) -> bool:
        """Whether the replica replays ``needed`` within the wait (a promoted one always has)."""
        deadline = time.monotonic() + self.settings.read_your_writes_wait
        while True:
            replayed = (await replica.execute(_REPLAYED)).scalar_one()
            if replayed is None or int(replayed) >= needed:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.005)

    def _key(self, user_id: int | None) -> str:
        caller = "anonymous" if user_id is None else f"user:{user_id}"
        return f"{self.settings.namespace}:written:{caller}"


class RecordingSession(AsyncSession):
    """A primary session that records each commit's WAL position for read-your-writes."""

    def __init__(self, resources: Resources, key: str, **kw: Any) -> None:
        super().__init__(**kw)
        self._resources = resources
        self._key = key

    async def commit(self) -> None:
        await super().commit()
        await self._resources.record(self._key, self)


@asynccontextmanager
async def open_resources(settings: Settings, instance_id: str) -> AsyncIterator[Resources]:
    database_url, redis_url, nats_url = require_servers(settings)
    replica_url = settings.database_replica_url
    if replica_url is None:
        # one server that does not move: a connection broken by a restart fails its request
        # with a 503 (core.web) and is discarded, cheaper than a ping before every checkout
        engine = create_engine(
            database_url, pool_size=POOL, max_overflow=OVERFLOW, pool_pre_ping=False
        )
        read_engine = None
    else:  # connections may die in a failover: check each one before use
        engine = create_engine(database_url, pool_size=POOL, max_overflow=OVERFLOW)
        read_engine = create_engine(replica_url, pool_size=POOL, max_overflow=OVERFLOW)
    redis = connect_redis(redis_url)
    stream = await connect_stream(nats_url, settings.namespace, settings.stream_replicas)
    try:
        yield Resources(
            settings,
            instance_id,
            engine,
            redis,
            PriceCache(redis, settings.namespace),
            stream,
            read_engine,
        )
    finally:
        await stream.close()
        await redis.aclose()
        if read_engine is not None:
            await read_engine.dispose()
        await engine.dispose()
