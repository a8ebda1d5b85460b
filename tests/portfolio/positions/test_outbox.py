"""Relays on the shared outbox, over the real PostgreSQL and NATS of the run.

Several relays flushing the same table hand each message to the stream once; a publish that
fails loses nothing; a write rolled back leaves no message behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pulsefolio.core import outbox
from pulsefolio.core.events import PositionChanged
from pulsefolio.core.outbox import OutboxRelay
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Delivery, Outgoing, Stream, Topic, connect_stream
from pulsefolio.portfolio.positions.events import record


class Recording(Stream):
    """A real stream that remembers every dedup id handed to it; ``then_down`` closes the real
    connection after that many publishes, so later ones fail as in an outage."""

    def __init__(self, inner: Stream, then_down: int | None = None) -> None:
        self.inner = inner
        self.then_down = then_down
        self.handed: list[str] = []

    async def publish(self, messages: Sequence[Outgoing]) -> int:
        if self.then_down is not None and self.then_down == 0:
            await self.inner.close()
            self.then_down = None
        elif self.then_down is not None:
            self.then_down -= 1
        self.handed.extend(m.dedup_id for m in messages)
        return await self.inner.publish(messages)

    def consume(
        self, topics: Sequence[Topic], *, consumer: str | None, from_start: bool = False
    ) -> AsyncIterator[list[Delivery]]:
        return self.inner.consume(topics, consumer=consumer, from_start=from_start)

    async def healthy(self) -> bool:
        return await self.inner.healthy()

    async def close(self) -> None:
        await self.inner.close()


async def _record(db: AsyncEngine, count: int) -> set[str]:
    """``count`` position changes of 7 users, committed together; their change ids."""
    async with AsyncSession(db) as session:
        ids = {await record(session, 1000 + n % 7, n) for n in range(count)}
        await session.commit()
    return ids


async def _delivered(stream: Stream, expect: int) -> list[str]:
    """The change ids of the POSITIONS messages in the stream, read until ``expect`` arrived
    and a moment longer for any extra copy."""
    found: list[str] = []

    async def read() -> None:
        async for batch in stream.consume([Topic.POSITIONS], consumer=None, from_start=True):
            found.extend(PositionChanged.decode(d.data).change_id for d in batch)
            if len(found) >= expect:
                await asyncio.sleep(0.3)
                return

    await asyncio.wait_for(read(), 10)
    return found


async def test_concurrent_relays_send_each_message_once(db: AsyncEngine, stream: Stream) -> None:
    changes = await _record(db, 120)
    recorders = [Recording(stream) for _ in range(3)]
    relays = [OutboxRelay(db, r, chunk=10) for r in recorders]
    sent = await asyncio.gather(*(relay.flush() for relay in relays))
    handed = [dedup for r in recorders for dedup in r.handed]
    assert sorted(handed) == sorted(f"pos:{c}" for c in changes)  # each once, none left out
    assert sum(sent) == 120
    assert sum(1 for r in recorders if r.handed) >= 2  # they did share the work
    assert await outbox.pending(db) == 0
    delivered = await _delivered(stream, 120)
    assert sorted(delivered) == sorted(changes)


async def test_a_failed_publish_loses_nothing(
    db: AsyncEngine, stream: Stream, settings: Settings
) -> None:
    changes = await _record(db, 30)
    assert settings.nats_url
    failing = Recording(await connect_stream(settings.nats_url, settings.namespace), then_down=1)
    relay = OutboxRelay(db, failing, chunk=10, publish_timeout=2.0)
    assert await relay.try_flush() == 0  # the first chunk went out, the second failed
    assert relay.down
    assert len(failing.handed) == 20
    assert await outbox.pending(db) == 20  # the failed chunk and the untried one wait
    assert await OutboxRelay(db, stream).flush() == 20
    assert await outbox.pending(db) == 0
    delivered = await _delivered(stream, 30)
    assert sorted(delivered) == sorted(changes)


async def test_a_rolled_back_write_leaves_no_message(db: AsyncEngine) -> None:
    async with AsyncSession(db) as session:
        await record(session, 1, 2)
        assert await outbox.pending(db) == 0  # not visible before the commit
        await session.rollback()
    assert await outbox.pending(db) == 0
