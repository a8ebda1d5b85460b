"""Tell every portfolio instance that a user's positions changed, durably.

A write calls :func:`record` before its commit: the PositionChanged goes into the shared outbox
(:mod:`pulsefolio.core.outbox`) in the write's own transaction, so the change and its message
commit together or not at all. After the commit, :func:`announce` wakes this instance's relay
(started by :func:`position_relay` in the app's lifespan), which publishes it on
:attr:`Topic.POSITIONS` keyed by user id; while the stream is down the message waits in
``stream_outbox`` and any relay sends it when the stream returns. ``account_id`` 0 means "the
whole user" (a base-currency change, say).

:func:`announce` also has this instance apply the change before the write answers (the
applier :func:`apply_here` registered, the live engine's): the valuation routes answer from
memory, and the writer's next read, which the gateway sends to the same instance, must show it.

Consumers reload the user from the database on any change, so two changes of one user arriving
in either order, or one arriving twice, leave every instance with the committed positions.
"""

from __future__ import annotations

import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pulsefolio.core import outbox
from pulsefolio.core.events import PositionChanged
from pulsefolio.core.outbox import OutboxRelay
from pulsefolio.core.stream import Outgoing, Stream, Topic

log = logging.getLogger(__name__)

WHOLE_USER = 0
# The relay of each open stream: services receive the stream, and wake the relay behind it.
_relays: weakref.WeakKeyDictionary[Stream, OutboxRelay] = weakref.WeakKeyDictionary()
Applier = Callable[[int], Awaitable[None]]
_appliers: weakref.WeakKeyDictionary[Stream, Applier] = weakref.WeakKeyDictionary()


def message(change: PositionChanged) -> Outgoing:
    return Outgoing(
        Topic.POSITIONS, str(change.user_id), change.encode(), f"pos:{change.change_id}"
    )


async def record(session: AsyncSession, user_id: int, account_id: int = WHOLE_USER) -> str:
    """Store one PositionChanged in the session's open transaction; returns its change id."""
    change = PositionChanged(user_id, account_id, uuid.uuid4().hex)
    await outbox.store(session, [message(change)])
    return change.change_id


async def announce(stream: Stream, user_id: int) -> None:
    """After the commit: have the relay behind ``stream`` send what was recorded, and this
    instance apply the user's change (a failure here only logs: the stream brings it too)."""
    relay = _relays.get(stream)
    if relay is None:
        log.warning("no outbox relay runs on this stream; position changes wait for another")
    else:
        relay.wake()
    applier = _appliers.get(stream)
    if applier is not None:
        try:
            await applier(user_id)
        except Exception:
            log.exception("could not apply user %s's change here; the stream will", user_id)


@asynccontextmanager
async def apply_here(stream: Stream, applier: Applier) -> AsyncIterator[None]:
    """Have :func:`announce` on ``stream`` call ``applier`` with the user while open."""
    _appliers[stream] = applier
    try:
        yield
    finally:
        _appliers.pop(stream, None)


@asynccontextmanager
async def position_relay(engine: AsyncEngine, stream: Stream) -> AsyncIterator[OutboxRelay]:
    """Run this instance's outbox relay for as long as the context is open."""
    relay = OutboxRelay(engine, stream, name="position-outbox-relay")
    _relays[stream] = relay
    try:
        async with relay.running():
            yield relay
    finally:
        _relays.pop(stream, None)
