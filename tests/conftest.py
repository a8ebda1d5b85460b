"""Run-wide fixtures: real PostgreSQL, Redis and NATS servers.

By default the embedded servers are started once per test run through ``pulsefolio.runtime``
(the same launch code ``pulsefolio up`` uses), on free ports in a temporary directory. Setting
``PULSEFOLIO_TEST_DATABASE_URL``, ``PULSEFOLIO_TEST_REDIS_URL`` and ``PULSEFOLIO_TEST_NATS_URL``
runs the suite against those servers instead.

Isolation per test: a fresh database cloned from a migrated template, a flushed Redis database,
and a stream namespace of its own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from pulsefolio.core.db.urls import with_database


@dataclass(frozen=True)
class ServerUrls:
    postgres: str  # an administrative connection that may create databases
    redis: str
    nats: str


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerUrls]:
    env = {
        key: os.environ.get(f"PULSEFOLIO_TEST_{key}_URL") for key in ("DATABASE", "REDIS", "NATS")
    }
    if all(env.values()):
        yield ServerUrls(postgres=env["DATABASE"], redis=env["REDIS"], nats=env["NATS"])  # type: ignore[arg-type]
        return
    from pulsefolio.runtime.testing import embedded_servers

    with embedded_servers(tmp_path_factory.mktemp("servers")) as urls:
        yield ServerUrls(postgres=urls.database_url, redis=urls.redis_url, nats=urls.nats_url)


async def _admin(servers: ServerUrls) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(servers.postgres, "postgres", driver=None))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def template_database(servers: ServerUrls) -> AsyncIterator[str]:
    from pulsefolio.core.db.migrate import upgrade

    name = f"pf_template_{uuid.uuid4().hex[:10]}"
    conn = await _admin(servers)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
        await upgrade(with_database(servers.postgres, name))
        yield name
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture(loop_scope="session")
async def database_url(servers: ServerUrls, template_database: str) -> AsyncIterator[str]:
    """A freshly migrated, empty database of this test's own (SQLAlchemy asyncpg URL)."""
    name = f"pf_test_{uuid.uuid4().hex[:12]}"
    conn = await _admin(servers)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        yield with_database(servers.postgres, name)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest_asyncio.fixture(loop_scope="session")
async def redis_url(servers: ServerUrls) -> AsyncIterator[str]:
    """The test Redis, flushed before the test."""
    client = aioredis.from_url(servers.redis)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    yield servers.redis


@pytest.fixture
def nats_url(servers: ServerUrls) -> str:
    return servers.nats


@pytest.fixture
def stream_namespace() -> str:
    """A prefix for stream and subject names no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def kafka_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Kafka-protocol broker: ``PULSEFOLIO_TEST_KAFKA_URL`` if set, else an embedded Tansu."""
    external = os.environ.get("PULSEFOLIO_TEST_KAFKA_URL")
    if external:
        yield external
        return
    from pulsefolio.runtime.testing import embedded_kafka

    with embedded_kafka(tmp_path_factory.mktemp("kafka")) as url:
        yield url


@pytest.fixture
def reachable_tmp_path() -> Iterator[Path]:
    """A temporary directory other accounts can traverse into, removed afterwards.

    pytest keeps ``tmp_path`` under ``/tmp/pytest-of-<user>`` and re-tightens that folder to
    mode 700 whenever a session starts, which would lock out the account PostgreSQL runs as
    when the tests run as root.
    """
    path = Path(tempfile.mkdtemp(prefix="pulsefolio-test-"))
    path.chmod(0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
