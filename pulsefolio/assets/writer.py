"""Writing one cycle's results: history and outbox together, then the cache, then the stream.

The price history, the FX rates and one stream message per quote and rate go into PostgreSQL in
one transaction (the shared outbox, :mod:`pulsefolio.core.outbox`): a stored price always has
its message stored too, so no crash or stream outage can lose an update. Then the Redis cache, whose
newer-only script says which assets changed (a cache outage does not stop the cycle: the history
has the prices and the cache is rebuilt from it when Redis returns). Last, the outbox is
published; if the stream is down the messages wait in the table for the relay.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pulsefolio.assets import outbox, repository
from pulsefolio.assets.outbox import OutboxRelay
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.stream import Stream

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteReport:
    history_rows: int
    fx_rows: int
    changed_prices: list[str]
    changed_fx: list[str]
    published: int
    pending: int


class _Joined:
    """Lets the repository's ``engine.begin()`` writers join an open transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        yield self._conn


class PriceWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        cache: PriceCache,
        stream: Stream,
        *,
        publish_timeout: float = 10.0,
        relay: OutboxRelay | None = None,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.relay = relay or OutboxRelay(
            engine, stream, publish_timeout=publish_timeout, name="price-outbox-relay"
        )

    async def write(
        self,
        asset_ids: Mapping[str, int],
        quotes: Sequence[PriceQuote],
        fx: Sequence[FxRate],
    ) -> WriteReport:
        """Store the chosen quotes and rates, publish them; return what happened."""
        rates = list(fx)
        async with self.engine.begin() as conn:
            joined = _Joined(conn)
            history = await repository.insert_history(
                joined,  # type: ignore[arg-type]
                [(asset_ids[q.symbol], q) for q in quotes],
            )
            fx_rows = await repository.insert_fx(joined, rates)  # type: ignore[arg-type]
            await outbox.store(conn, outbox.messages(quotes, rates))
        try:
            changed_prices = await self.cache.put_prices(quotes)
            changed_fx = await self.cache.put_fx(rates)
        except (RedisError, OSError) as exc:
            log.warning("price cache unavailable (%s); prices kept in the history", exc)
            changed_prices, changed_fx = [q.symbol for q in quotes], [r.pair for r in rates]
        published = await self.flush()
        return WriteReport(
            history, fx_rows, sorted(changed_prices), sorted(changed_fx), published,
            await outbox.pending(self.engine),
        )  # fmt: skip

    async def flush(self) -> int:
        """Publish the outbox now, unless the relay already knows the stream is down."""
        if self.relay.down:
            self.relay.wake()
            return 0
        return await self.relay.try_flush()
