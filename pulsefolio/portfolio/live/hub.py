"""Connected WebSocket clients by user, each with a small mailbox.

A slow client must not hold up the consumer: each connection has a bounded queue, and when it is
full the oldest message is dropped (the next one carries the newer total anyway).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

MAILBOX = 32


class Connection:
    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.mailbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAILBOX)

    def offer(self, message: dict[str, Any]) -> None:
        if self.mailbox.full():
            self.mailbox.get_nowait()
        self.mailbox.put_nowait(message)


class Hub:
    def __init__(self) -> None:
        self._by_user: dict[int, set[Connection]] = {}

    def join(self, user_id: int) -> Connection:
        connection = Connection(user_id)
        self._by_user.setdefault(user_id, set()).add(connection)
        return connection

    def leave(self, connection: Connection) -> None:
        peers = self._by_user.get(connection.user_id)
        if peers is not None:
            peers.discard(connection)
            if not peers:
                del self._by_user[connection.user_id]

    def users(self) -> set[int]:
        return set(self._by_user)

    def connected(self, users: Iterable[int]) -> list[int]:
        """Those of ``users`` with at least one open connection."""
        return [u for u in users if u in self._by_user]

    def send(self, user_id: int, message: dict[str, Any]) -> None:
        for connection in self._by_user.get(user_id, ()):
            connection.offer(message)
