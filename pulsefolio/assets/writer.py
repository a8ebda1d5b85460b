"""Writing one cycle's results, in batches: history, cache, then stream.

Order matters. The price history in PostgreSQL goes first, being the record that must not miss a
price; then the Redis cache, whose newer-only script says which assets actually changed; then
one stream message per changed asset or FX pair. A message the stream could not take waits in
an outbox and is sent again, first, on every later cycle; JetStream drops the copies it already
has by their dedup ids, so a retried batch that partly got through is harmless.

The outbox lives in memory: if this process dies while NATS is down, those messages are lost,
though the cache and history have the prices and the next cycle publishes newer ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets import repository
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.events import encode_fx, encode_quote, fx_dedup_id, quote_dedup_id
from pulsefolio.core.stream import Outgoing, Stream, Topic

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteReport:
    history_rows: int
    fx_rows: int
    changed_prices: list[str]
    changed_fx: list[str]
    published: int
    pending: int


class Outbox:
    """Stream messages not yet accepted, oldest first, at most ``limit`` (oldest dropped)."""

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        self._messages: dict[str, Outgoing] = {}

    def __len__(self) -> int:
        return len(self._messages)

    def add(self, messages: Sequence[Outgoing]) -> None:
        for message in messages:
            self._messages[message.dedup_id] = message
        while len(self._messages) > self.limit:
            dropped = next(iter(self._messages))
            del self._messages[dropped]
            log.warning("outbox full: dropped %s", dropped)

    def take(self) -> list[Outgoing]:
        messages = list(self._messages.values())
        self._messages.clear()
        return messages


class PriceWriter:
    def __init__(
        self,
        engine: AsyncEngine,
        cache: PriceCache,
        stream: Stream,
        *,
        publish_timeout: float = 10.0,
        outbox: Outbox | None = None,
    ) -> None:
        self.engine = engine
        self.cache = cache
        self.stream = stream
        self.publish_timeout = publish_timeout
        self.outbox = outbox or Outbox()

    async def write(
        self,
        asset_ids: Mapping[str, int],
        quotes: Sequence[PriceQuote],
        fx: Sequence[FxRate],
    ) -> WriteReport:
        """Store the chosen quotes and rates, publish what changed; return what happened."""
        history = await repository.insert_history(
            self.engine, [(asset_ids[q.symbol], q) for q in quotes]
        )
        fx_rows = await repository.insert_fx(self.engine, fx)
        rates = list(fx)
        changed_prices = set(await self.cache.put_prices(quotes))
        changed_fx = set(await self.cache.put_fx(rates))
        messages = [
            Outgoing(Topic.PRICES, q.symbol, encode_quote(q), quote_dedup_id(q))
            for q in quotes
            if q.symbol in changed_prices
        ] + [
            Outgoing(Topic.FX, r.pair, encode_fx(r), fx_dedup_id(r))
            for r in rates
            if r.pair in changed_fx
        ]
        published = await self.flush(messages)
        return WriteReport(
            history, fx_rows, sorted(changed_prices), sorted(changed_fx), published,
            len(self.outbox),
        )  # fmt: skip

    async def flush(self, messages: Sequence[Outgoing] = ()) -> int:
        """Publish the outbox, then ``messages``; keep all of them if the stream fails."""
        self.outbox.add(messages)
        queued = self.outbox.take()
        if not queued:
            return 0
        try:
            return await asyncio.wait_for(self.stream.publish(queued), self.publish_timeout)
        except asyncio.CancelledError:
            self.outbox.add(queued)
            raise
        except Exception as exc:
            self.outbox.add(queued)
            log.warning(
                "stream publish failed (%s: %s); %d messages wait in the outbox",
                type(exc).__name__, exc, len(self.outbox),
            )  # fmt: skip
            return 0
