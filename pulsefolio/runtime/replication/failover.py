"""``pulsefolio failover``: make the replicas the primaries of a running ``up --replicas``.

1. Fence the old PostgreSQL primary: it gets a ``standby.signal`` that points it at the replica,
   and, if it runs, a fast shutdown. When the supervisor restarts it, it comes back read-only,
   as a standby of the new primary, and can never take writes beside it.
2. Promote the replica (``pg_promote``). The services' write URL lists both clusters with
   ``target_session_attrs=read-write``, so their next connections reach the new primary.
3. Promote the Redis replica (``REPLICAOF NO ONE``) if the Redis primary does not answer.
4. Record the new roles in ``<data-dir>/run/topology.json``.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import psutil
import redis

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings
from pulsefolio.runtime import state
from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.readiness import redis_ping
from pulsefolio.runtime.replication.topology import (
    PRIMARY,
    REDIS_REPLICA,
    REPLICA,
    follow,
    run_as,
    topology_file,
)
from pulsefolio.runtime.servers import postgres
from pulsefolio.runtime.servers.postgres import PostgresLayout

PROMOTE_SECONDS = 60


def failover(settings: Settings, report: Callable[[str], None] = print) -> dict[str, Any]:
    """Promote the replicas; returns what was recorded in the topology file."""
    layout = Layout(settings.data_dir)
    children = state.read_json(layout.children_file) or {}
    if not state.alive(children.get(REPLICA)):
        raise ConfigurationError(
            f"no PostgreSQL replica runs on {settings.data_dir}: start `pulsefolio up --replicas`"
        )
    fence(settings, children.get(PRIMARY), report)
    url = postgres.url(settings.host, settings.postgres_replica_port, _layout(settings))
    lsn = asyncio.run(promote(with_database(url, driver=None)))
    report(f"[ok] PostgreSQL replica promoted at WAL position {lsn}")
    redis_primary = f"redis://{settings.host}:{settings.redis_port}/0"
    redis_promoted = False
    if not redis_ping(redis_primary)() and state.alive(children.get(REDIS_REPLICA)):
        replica = redis.Redis(host=settings.host, port=settings.redis_replica_port)
        try:
            replica.execute_command("REPLICAOF", "NO", "ONE")  # type: ignore[no-untyped-call]
        finally:
            replica.close()
        redis_promoted = True
        report("[ok] Redis replica promoted: the Redis primary does not answer")
    else:
        report("Redis primary answers: it stays the primary")
    topology = {
        "postgres_primary": {"name": REPLICA, "port": settings.postgres_replica_port},
        "postgres_fenced": {"name": PRIMARY, "port": settings.postgres_port},
        "redis_primary_port": (
            settings.redis_replica_port if redis_promoted else settings.redis_port
        ),
        "promoted_at": datetime.now(UTC).isoformat(),
        "promoted_lsn": lsn,
    }
    state.write_json(topology_file(settings), topology)
    return topology


def _layout(settings: Settings) -> PostgresLayout:
    return PostgresLayout.under(settings.data_dir, REPLICA)


def fence(settings: Settings, record: dict[str, Any] | None, report: Callable[[str], None]) -> None:
    """Turn the old primary into a standby of the replica, stopping it if it runs."""
    data = PostgresLayout.under(settings.data_dir, PRIMARY).data
    if not (data / "standby.signal").exists():
        follow(data, settings, settings.postgres_replica_port, run_as(settings))
    if not state.alive(record):
        report("old PostgreSQL primary is down; it restarts as a standby")
        return
    assert record is not None
    pid = int(record["pid"])
    try:
        os.kill(pid, signal.SIGINT)  # fast shutdown: open transactions are rolled back
        psutil.Process(pid).wait(timeout=30)
    except (ProcessLookupError, psutil.NoSuchProcess):
        pass
    report(f"old PostgreSQL primary (pid {pid}) stopped; it restarts as a standby")


async def promote(url: str) -> str:
    """Promote the standby at ``url``; its WAL position once it accepts writes."""
    conn = await asyncpg.connect(url)
    try:
        in_recovery = await conn.fetchval("SELECT pg_is_in_recovery()")
        # pg_promote waits until the promotion is done, or says it was not within the time
        if in_recovery and not await conn.fetchval("SELECT pg_promote(true, $1)", PROMOTE_SECONDS):
            raise ConfigurationError("the PostgreSQL replica did not finish promoting")
        return str(await conn.fetchval("SELECT pg_current_wal_lsn()::text"))
    finally:
        await conn.close()
