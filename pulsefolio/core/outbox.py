"""The durable stream outbox: messages stored with the writes they announce, sent until acked.

A writer adds its messages to ``stream_outbox`` (:func:`store`) inside the transaction of the
write itself, so a committed write always has its message either in the stream or in the table,
and a rolled-back one has neither. :meth:`OutboxRelay.flush` publishes the table oldest first,
in chunks; each chunk is claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and deleted in the
same transaction once the stream acknowledged it, so several relays (the asset service and every
portfolio instance) may flush the same table at once, each message going out from one of them.
:meth:`OutboxRelay.run` flushes on start-up, after every wake-up and every ``idle`` seconds,
retrying on a growing backoff while the stream is down.

Relays working side by side may send two chunks in either order; the consumers do not depend
on it (a price older than the one held is ignored, a position change reloads the user from the
database). A copy sent twice (a crash between the ack and the delete) is dropped by the stream's
dedup id, or ignored by those same rules.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from pulsefolio.core.db.models import StreamOutbox
from pulsefolio.core.stream import Outgoing, Stream, Topic

log = logging.getLogger(__name__)

CHUNK = 500
# A relay's claim: a full refresh of 5,000 assets goes out as one pipelined publish, not ten
# claim-publish-delete rounds in a row.
RELAY_CHUNK = 5000
_SEP = "\x1f"


def subject(message: Outgoing) -> str:
    """The stored ``subject``: topic and key, which a message needs besides its payload."""
    return f"{message.topic.value}{_SEP}{message.key}"


def outgoing(stored_subject: str, dedup_id: str, payload: bytes) -> Outgoing:
    topic, key = stored_subject.split(_SEP, 1)
    return Outgoing(Topic(topic), key, payload, dedup_id)


async def store(target: AsyncConnection | AsyncSession, messages: Sequence[Outgoing]) -> None:
    """Add ``messages`` inside the transaction ``target`` has open; one already waiting (same
    dedup id) is kept once. Nothing is committed here: the caller's commit decides."""
    for start in range(0, len(messages), CHUNK):
        rows = [
            {"subject": subject(m), "dedup_id": m.dedup_id, "payload": m.data}
            for m in messages[start : start + CHUNK]
        ]
        await target.execute(insert(StreamOutbox).values(rows).on_conflict_do_nothing())


async def pending(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(StreamOutbox)) or 0)


class OutboxRelay:
    """Sends what waits in ``stream_outbox``; one flush at a time per relay, any number of
    relays per table."""

    def __init__(
        self,
        engine: AsyncEngine,
        stream: Stream,
        *,
        publish_timeout: float = 10.0,
        backoff: tuple[float, float] = (0.5, 10.0),
        idle: float = 30.0,
        chunk: int = RELAY_CHUNK,
        name: str = "stream-outbox-relay",
    ) -> None:
        self.engine = engine
        self.stream = stream
        self.publish_timeout = publish_timeout
        self.backoff = backoff
        self.idle = idle
        self.name = name
        self.down = False
        self._claim = (
            select(StreamOutbox.id, StreamOutbox.subject, StreamOutbox.dedup_id,
                   StreamOutbox.payload)
            .order_by(StreamOutbox.id)
            .limit(chunk)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def flush(self) -> int:
        """Publish everything waiting that no other relay holds; return how many were new to
        the stream. Raises if the stream fails, leaving the unacknowledged rest in the table."""
        async with self._lock:
            sent = 0
            while (chunk := await self._send_chunk()) is not None:
                sent += chunk
            self.down = False
            return sent

    async def _send_chunk(self) -> int | None:
        """Claim, publish and delete the oldest unclaimed chunk; None when there is none. A
        failed publish rolls back, which releases the rows for the next try."""
        async with self.engine.begin() as conn:
            rows = (await conn.execute(self._claim)).all()
            if not rows:
                return None
            messages = [outgoing(r.subject, r.dedup_id, r.payload) for r in rows]
            try:
                sent = await asyncio.wait_for(self.stream.publish(messages), self.publish_timeout)
            except Exception:
                self.down = True
                raise
            await conn.execute(
                delete(StreamOutbox).where(StreamOutbox.id.in_([r.id for r in rows]))
            )
            return sent

    async def try_flush(self) -> int:
        """:meth:`flush`, but a stream failure is logged and leaves the relay to retry."""
        try:
            return await self.flush()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "stream publish failed (%s: %s); %d messages wait in the outbox",
                type(exc).__name__, exc, await pending(self.engine),
            )  # fmt: skip
            self.wake()
            return 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Flush at start, when woken, and every ``idle`` seconds; back off while failing."""
        delay = self.backoff[0]
        while True:
            self._wake.clear()
            try:
                await self.flush()
                delay = self.backoff[0]
                pause = self.idle
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("%s: %s: %s; retrying in %.1f s", self.name, type(exc).__name__,
                            exc, delay)  # fmt: skip
                pause, delay = delay, min(delay * 2, self.backoff[1])
                await asyncio.sleep(pause)
                continue
            with suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[OutboxRelay]:
        self._task = asyncio.create_task(self.run(), name=self.name)
        try:
            yield self
        finally:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
