"""Hear of every change to a user or a personal API token, wherever it was made.

A trigger (migration 0005) notifies ``pulsefolio_identity`` with the user id on every update or
delete of a user and on every revocation or deletion of a token. This task listens on a
connection of its own to the primary and drops that user's cached identities at once, so the
identity cache may keep entries for minutes (:data:`cache.LISTENING_TTL_SECONDS`) without a
revocation waiting for them.

A notification sent while the connection is down is lost, so the cache only trusts the channel
while it is up and pinged: on connect it forgets everything it held (anything may have changed
unheard), and on losing the connection it forgets again and falls back to short-lived entries
until it is back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import asyncpg

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.settings import require_servers
from pulsefolio.core.tasks import in_background
from pulsefolio.portfolio.auth.cache import AuthCache, cache_for
from pulsefolio.portfolio.resources import Resources

CHANNEL = "pulsefolio_identity"
APPLICATION_NAME = "pulsefolio-identity"
PING_SECONDS = 2.0
RETRY_SECONDS = 1.0
log = logging.getLogger(__name__)


class IdentityListener:
    def __init__(self, dsn: str, cache: AuthCache) -> None:
        self.dsn = dsn
        self.cache = cache
        self.connected = asyncio.Event()
        self.heard = 0

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.heard += 1
        try:
            self.cache.forget_user(int(payload))
        except ValueError:
            self.cache.clear()

    async def _session(self) -> None:
        """Listen until the connection fails, then return."""
        conn = await asyncpg.connect(
            self.dsn, timeout=5, server_settings={"application_name": APPLICATION_NAME}
        )
        try:
            await conn.add_listener(CHANNEL, self._on_notify)
            self.cache.clear()
            self.cache.listening = True
            self.connected.set()
            while not conn.is_closed():
                await asyncio.sleep(PING_SECONDS)
                await asyncio.wait_for(conn.execute("SELECT 1"), PING_SECONDS)
        finally:
            self.cache.listening = False
            self.cache.clear()
            self.connected.clear()
            with suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def run(self) -> None:
        while True:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("identity notifications unavailable: %s: %s", type(exc).__name__, exc)
            await asyncio.sleep(RETRY_SECONDS)


@asynccontextmanager
async def identity_changes(resources: Resources) -> AsyncIterator[IdentityListener]:
    """Listen for identity changes for the lifetime of the app."""
    database_url, _, _ = require_servers(resources.settings)
    dsn = with_database(database_url, driver=None)
    listener = IdentityListener(dsn, cache_for(resources.engine))
    async with in_background(listener.run(), "identity-changes"):
        yield listener
