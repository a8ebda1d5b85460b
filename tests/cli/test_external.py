"""The schema, the demo seed and the whole platform against this machine's own PostgreSQL,
Redis and NATS, given by URL instead of the embedded servers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.db.urls import with_database
from pulsefolio.core.settings import load_settings
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.preflight import check_external_urls

from .stack import REPO, family, live, platform_env, pulsefolio, start_up, wait_ready

pytestmark = pytest.mark.external

ADMIN_URL = os.environ.get(
    "PULSEFOLIO_EXTERNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PULSEFOLIO_EXTERNAL_REDIS_URL", "redis://127.0.0.1:6379/15")
NATS_URL = os.environ.get("PULSEFOLIO_EXTERNAL_NATS_URL", "nats://127.0.0.1:4222")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


@pytest.fixture
def scratch_database() -> Iterator[str]:
    name = f"pf_external_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(ADMIN_URL, name, driver=None)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return platform_env(
        tmp_path / "data",
        PULSEFOLIO_DATABASE_URL=database_url,
        PULSEFOLIO_REDIS_URL=REDIS_URL,
        PULSEFOLIO_NATS_URL=NATS_URL,
        PULSEFOLIO_NAMESPACE=f"ext{uuid.uuid4().hex[:8]}",
    )


def test_migrate_and_seed_commands(tmp_path: Path, scratch_database: str) -> None:
    env = _env(tmp_path, scratch_database)
    for args in (("migrate",), ("seed", "--users", "3", "--seed", "7")):
        result = subprocess.run(
            pulsefolio(*args), env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    assert asyncio.run(_count(scratch_database, "SELECT count(*) FROM users")) >= 3
    assert asyncio.run(_count(scratch_database, "SELECT count(*) FROM alembic_version")) == 1
    # nothing embedded was started for it
    assert not (tmp_path / "data" / "postgres").exists()


def _behind_an_unreachable_host(url: str) -> str:
    """``url`` as a libpq host list: a server that does not answer first, then ``url``'s."""
    dead = PortPicker("127.0.0.1").one()
    database = url.rsplit("/", 1)[1]
    return (
        f"postgresql://postgres@127.0.0.1:{dead},127.0.0.1:5432/{database}"
        "?target_session_attrs=read-write"
    )


def test_a_host_list_reaches_the_primary_past_an_unreachable_host(
    tmp_path: Path, scratch_database: str
) -> None:
    url = _behind_an_unreachable_host(scratch_database)
    env = _env(tmp_path, url)
    for args in (("migrate",), ("seed", "--users", "2", "--seed", "7")):
        result = subprocess.run(
            pulsefolio(*args), env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
    assert asyncio.run(_count(with_database(url, driver=None), "SELECT count(*) FROM users")) >= 2

    async def through_the_engine() -> int:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return int(await conn.scalar(text("SELECT count(*) FROM users")) or 0)
        finally:
            await engine.dispose()

    assert asyncio.run(through_the_engine()) >= 2
    check_external_urls(load_settings(data_dir=tmp_path, database_url=url))


@pytest.mark.stack
def test_up_uses_external_servers(tmp_path: Path, scratch_database: str) -> None:
    data_dir = tmp_path / "data"
    log = tmp_path / "up.log"
    up = start_up(_env(tmp_path, scratch_database), log)
    try:
        ready = wait_ready(data_dir, up, log)
        assert ready["components"]["postgres"] == {"pid": None, "port": None, "external": True}
        assert ready["redis_url"] == REDIS_URL
        processes = family(up.pid)
        assert not any(p.name() in ("postgres", "redis-server", "nats-server") for p in processes)
        health = httpx.get(ready["gateway_url"] + "/api/v1/health", timeout=5).json()
        assert (health["database"], health["cache"], health["stream"]) == ("ok", "ok", "ok")
        assert asyncio.run(_count(scratch_database, "SELECT count(*) FROM users")) >= 3
        up.terminate()
        assert up.wait(timeout=60) == 0
        assert not live(processes)
    finally:
        if up.poll() is None:
            up.terminate()
            up.wait(timeout=60)
