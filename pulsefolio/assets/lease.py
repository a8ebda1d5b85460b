"""Exactly one fetcher among several asset-service processes: a PostgreSQL advisory lock.

The lock is held on a connection of its own for as long as the process leads. PostgreSQL drops
it the moment that connection ends, so when the leader dies (even by SIGKILL, as the kernel
closes its socket) the next follower to try, at its next tick, takes over. The leader checks its
connection each tick, so a database restart is noticed and leadership is contested afresh.

A second, transaction-scoped lock serialises cycles themselves, so a cycle started by hand
(``pulsefolio assets refresh``, ``POST /refresh``) never overlaps the leader's.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.db.urls import with_database

log = logging.getLogger(__name__)


def lock_key(namespace: str, purpose: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``purpose`` within ``namespace``."""
    digest = hashlib.blake2b(f"{namespace}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLease:
    def __init__(self, database_url: str, namespace: str, *, timeout: float = 5.0) -> None:
        self._url = with_database(database_url, driver=None)
        self.key = lock_key(namespace, "asset-refresh-leader")
        self.timeout = timeout
        self._conn: asyncpg.Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    async def acquire(self) -> bool:
        """Lead if we can: True if this process holds the lease after the call."""
        if self._conn is not None:
            try:
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self.timeout)
                return True
            except Exception as exc:
                log.warning("lost the refresh lease: %s: %s", type(exc).__name__, exc)
                await self._drop()
        conn: asyncpg.Connection | None = None
        try:
            conn = await asyncpg.connect(self._url, timeout=self.timeout)
            got = await asyncio.wait_for(
                conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key), self.timeout
            )
        except Exception as exc:
            log.warning("cannot contest the refresh lease: %s: %s", type(exc).__name__, exc)
            got = False
        if got:
            self._conn = conn
            log.info("took the refresh lease")
            return True
        if conn is not None:
            await conn.close(timeout=self.timeout)
        return False

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def release(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close(timeout=self.timeout)
            except Exception:
                await self._drop()
            self._conn = None


@asynccontextmanager
async def cycle_lock(engine: AsyncEngine, namespace: str) -> AsyncIterator[None]:
    """Hold the cycle lock (waiting for it) for the duration of the block.

    Transaction-scoped, so however the block ends the lock goes with the transaction.
    """
    async with engine.begin() as conn:
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(namespace, "asset-cycle")}
        )
        yield
