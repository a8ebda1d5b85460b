"""Embedded PostgreSQL, Redis and NATS for test runs, on free ports, through the same specs and
supervisor as ``pulsefolio up``; a Kafka-protocol broker (Tansu) apart, for the stream tests.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.ports import PortPicker, free_port
from pulsefolio.runtime.servers import nats, postgres, redis, tansu
from pulsefolio.runtime.supervisor import Supervisor

HOST = "127.0.0.1"


@dataclass(frozen=True)
class EmbeddedServers:
    database_url: str  # superuser URL of the ``postgres`` database: may CREATE DATABASE
    redis_url: str
    nats_url: str
    supervisor: Supervisor


@contextmanager
def embedded_servers(
    directory: Path, *, system_user: str = "pulsefolio"
) -> Iterator[EmbeddedServers]:
    """Start the three servers, logging into ``directory``; stop them all on exit.

    Their data goes to a fresh folder under the system temporary directory, removed on exit:
    ``directory`` is typically pytest's, which pytest keeps at mode 700, out of reach of the
    account PostgreSQL runs as under root. PostgreSQL runs without fsync: these servers hold
    nothing worth keeping.
    """
    directory.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="pulsefolio-servers-"))
    data.chmod(0o711)
    supervisor = Supervisor(directory / "logs", report=lambda _: None)
    port = PortPicker(HOST).one
    specs = [
        postgres.spec(data, host=HOST, port=port(), system_user=system_user, fast=True),
        redis.spec(data, host=HOST, port=port()),
        nats.spec(data, host=HOST, port=port(), monitor_port=port()),
    ]
    try:
        for spec in specs:
            supervisor.start(spec)
        database_url = with_database(specs[0].url or "", "postgres", driver=None)
        asyncio.run(postgres.ensure_database(database_url))
        yield EmbeddedServers(
            database_url=database_url,
            redis_url=specs[1].url or "",
            nats_url=specs[2].url or "",
            supervisor=supervisor,
        )
    finally:
        supervisor.stop()
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def embedded_kafka(directory: Path) -> Iterator[str]:
    """Start a Tansu broker (memory storage) on a free port; yield its ``kafka://`` URL."""
    directory.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(directory / "logs", report=lambda _: None)
    spec = tansu.spec(directory, host=HOST, port=free_port())
    try:
        supervisor.start(spec)
        yield spec.url or ""
    finally:
        supervisor.stop()
