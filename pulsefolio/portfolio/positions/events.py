"""Tell every portfolio instance that a user's positions changed, after the write committed.

Published on :attr:`Topic.POSITIONS` keyed by user id, so one user's changes stay in order.
``account_id`` 0 means "the whole user" (a base-currency change, say). A failed publish is
logged, not raised: the write has committed, and instances also reload on start.
"""

from __future__ import annotations

import logging
import uuid

from pulsefolio.core.events import PositionChanged
from pulsefolio.core.stream import Outgoing, Stream, Topic

log = logging.getLogger(__name__)

WHOLE_USER = 0


async def announce(stream: Stream, user_id: int, account_id: int = WHOLE_USER) -> str:
    """Publish one PositionChanged; returns its change id."""
    change = PositionChanged(user_id, account_id, uuid.uuid4().hex)
    try:
        await stream.publish(
            [Outgoing(Topic.POSITIONS, str(user_id), change.encode(), f"pos:{change.change_id}")]
        )
    except Exception:
        log.exception("could not publish position change for user %s", user_id)
    return change.change_id
