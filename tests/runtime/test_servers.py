"""Each embedded-server launcher, run for real on free ports."""

from __future__ import annotations

import asyncio
import os
import pwd
import stat
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
import redis
from sqlalchemy.engine import make_url

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.ports import free_port
from pulsefolio.runtime.servers import nats as nats_server
from pulsefolio.runtime.servers import postgres
from pulsefolio.runtime.servers import redis as redis_server
from pulsefolio.runtime.supervisor import Supervisor
from pulsefolio.runtime.testing import embedded_servers

HOST = "127.0.0.1"


@pytest.fixture
def tmp_path(reachable_tmp_path: Path) -> Path:
    """PostgreSQL's account (under root) must reach the data: see ``reachable_tmp_path``."""
    return reachable_tmp_path


def _quiet(tmp_path: Path) -> Supervisor:
    return Supervisor(tmp_path / "logs", report=lambda _: None)


class TestPostgres:
    def test_data_persists_across_restarts_with_password_auth(self, tmp_path: Path) -> None:
        port = free_port()
        spec = postgres.spec(tmp_path, host=HOST, port=port, system_user="pulsefolio", fast=True)
        assert spec.url is not None and ":" in spec.url.split("@")[0].removeprefix("postgresql://")
        admin = with_database(spec.url, "postgres", driver=None)

        async def write() -> None:
            await postgres.ensure_database(admin)
            await postgres.ensure_database(admin)  # idempotent
            conn = await asyncpg.connect(spec.url)
            await conn.execute("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
            await conn.close()

        async def read() -> int:
            conn = await asyncpg.connect(spec.url)
            try:
                return int(await conn.fetchval("SELECT v FROM kept"))
            finally:
                await conn.close()

        supervisor = _quiet(tmp_path)
        child = supervisor.start(spec)
        asyncio.run(write())
        if os.geteuid() == 0:
            owner = pwd.getpwuid(tmp_path.joinpath("postgres").stat().st_uid).pw_name
            assert owner == "pulsefolio"
            assert child.pid is not None
            assert pwd.getpwuid(os.stat(f"/proc/{child.pid}").st_uid).pw_name == "pulsefolio"
        mode = stat.S_IMODE(tmp_path.joinpath("postgres").stat().st_mode)
        assert mode == 0o700
        assert stat.S_IMODE((tmp_path / "postgres-password").stat().st_mode) == 0o600
        supervisor.stop()

        again = _quiet(tmp_path)
        again.start(postgres.spec(tmp_path, host=HOST, port=port, system_user="pulsefolio"))
        try:
            assert asyncio.run(read()) == 7
        finally:
            again.stop()

    def test_embedded_servers_give_admin_url_and_refuse_wrong_password(
        self, tmp_path: Path
    ) -> None:
        with embedded_servers(tmp_path) as servers:
            parsed = make_url(servers.database_url)
            assert parsed.database == "postgres"
            wrong = parsed.set(password="nope").render_as_string(hide_password=False)

            async def probe() -> str:
                conn = await asyncpg.connect(servers.database_url)
                await conn.execute("CREATE DATABASE probe_db")
                await conn.close()
                try:
                    await asyncpg.connect(wrong)
                except asyncpg.InvalidPasswordError:
                    return "refused"
                return "accepted"

            assert asyncio.run(probe()) == "refused"
            assert redis.Redis.from_url(servers.redis_url).ping()
        assert all(child.state == "stopped" for child in servers.supervisor.children)


class TestRedis:
    def test_append_only_and_persistence(self, tmp_path: Path) -> None:
        port = free_port()
        supervisor = _quiet(tmp_path)
        spec = redis_server.spec(tmp_path, host=HOST, port=port)
        supervisor.start(spec)
        client = redis.Redis.from_url(spec.url or "")
        assert client.config_get("appendonly") == {"appendonly": "yes"}
        assert client.config_get("appendfsync") == {"appendfsync": "everysec"}
        client.set("kept", "yes")
        client.close()
        supervisor.stop()

        again = _quiet(tmp_path)
        again.start(redis_server.spec(tmp_path, host=HOST, port=port))
        try:
            client = redis.Redis.from_url(spec.url or "")
            assert client.get("kept") == b"yes"
            client.close()
        finally:
            again.stop()


class TestNats:
    def test_jetstream_on_file_storage(self, tmp_path: Path) -> None:
        monitor = free_port()
        spec = nats_server.spec(tmp_path, host=HOST, port=free_port(), monitor_port=monitor)
        supervisor = _quiet(tmp_path)
        supervisor.start(spec)
        try:
            health = httpx.get(f"http://{HOST}:{monitor}/healthz?js-enabled-only=true")
            assert health.json() == {"status": "ok"}

            async def publish() -> int:
                client = await nats.connect(spec.url)
                js = client.jetstream()
                await js.add_stream(name="probe", subjects=["probe.>"])
                ack = await js.publish("probe.one", b"x")
                await client.close()
                return ack.seq

            assert asyncio.run(publish()) == 1
            assert any((tmp_path / "nats" / "jetstream").rglob("*.blk"))
        finally:
            supervisor.stop()
