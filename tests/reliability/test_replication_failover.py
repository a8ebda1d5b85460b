"""``pulsefolio up --replicas`` end to end: the replicas receive writes, a caller reads their own
writes through replica-routed GETs, and with the PostgreSQL primary SIGKILLed under a steady load
of writes, ``pulsefolio failover`` lets writes resume with every acknowledged one kept.

One platform serves the whole module; the failover test runs last, as it changes the roles.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import load_settings
from pulsefolio.runtime import state
from pulsefolio.runtime.backup import Manifest
from pulsefolio.runtime.replication.failover import failover
from pulsefolio.runtime.replication.topology import check_roles
from pulsefolio.runtime.servers.postgres import PostgresLayout, url
from tests.cli.stack import REPO, platform_env, pulsefolio, read_json, start_up, wait_ready

pytestmark = pytest.mark.stack


@dataclass
class Stack:
    env: dict[str, str]
    ready: dict[str, Any]
    data_dir: Path

    def port(self, key: str) -> int:
        return int(self.env[f"PULSEFOLIO_{key}"])

    def db_url(self, port_key: str) -> str:
        layout = PostgresLayout.under(self.data_dir)
        return with_database(url("127.0.0.1", self.port(port_key), layout), driver=None)

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.ready["gateway_url"], timeout=15)
        response = client.post(
            "/api/v1/auth/login",
            json={"email": self.ready["demo_email"], "password": self.ready["demo_password"]},
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return client


@pytest.fixture(scope="module")
def replicated() -> Iterator[Stack]:
    root = Path(tempfile.mkdtemp(prefix="pulsefolio-replicas-"))
    root.chmod(0o711)
    data_dir = root / "data"
    env = platform_env(
        data_dir,
        "POSTGRES_REPLICA_PORT",
        "REDIS_REPLICA_PORT",
        PULSEFOLIO_PORTFOLIO_INSTANCES="1",
        PULSEFOLIO_DEMO_USERS="1",
        PULSEFOLIO_BACKUP_INTERVAL="3600",  # the task runs; no backup is due during the test
    )
    log = root / "up.log"
    up = start_up(env, log, "--replicas")
    try:
        yield Stack(env, wait_ready(data_dir, up, log), data_dir)
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=90)
        shutil.rmtree(root, ignore_errors=True)


async def _fetch(db_url: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(db_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def fetch(db_url: str, sql: str, *args: Any) -> Any:
    return asyncio.run(_fetch(db_url, sql, *args))


def eventually(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


def new_account(client: httpx.Client, name: str) -> httpx.Response:
    return client.post("/api/v1/accounts", json={"name": name, "currency": "USD"})


def test_replicas_receive_writes(replicated: Stack) -> None:
    stack = replicated
    children = read_json(stack.data_dir / "run" / "children.json")
    assert {"postgres-replica", "redis-replica", "backup"} <= set(children)
    assert state.alive(children["backup"])
    primary, replica = stack.db_url("POSTGRES_PORT"), stack.db_url("POSTGRES_REPLICA_PORT")
    assert fetch(replica, "SELECT pg_is_in_recovery()") is True
    assert fetch(primary, "SELECT sync_state FROM pg_stat_replication") == "sync"
    created = new_account(stack.client(), "replicated")
    assert created.status_code == 201, created.text
    sql = "SELECT name FROM accounts WHERE id = $1"
    assert eventually(lambda: fetch(replica, sql, created.json()["id"])) == "replicated"

    cache = redis.Redis(port=stack.port("REDIS_PORT"))
    copy = redis.Redis(port=stack.port("REDIS_REPLICA_PORT"))
    try:
        cache.set("replication-probe", "42")
        assert eventually(lambda: copy.get("replication-probe")) == b"42"
        assert copy.info("replication")["role"] == "slave"
    finally:
        cache.close()
        copy.close()


def _replica_transactions(stack: Stack) -> int:
    sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'pulsefolio'"
    return int(fetch(stack.db_url("POSTGRES_REPLICA_PORT"), sql))


def test_reads_go_to_the_replica_and_see_the_callers_writes(replicated: Stack) -> None:
    stack = replicated
    """The replica applies each commit 300 ms late, so only the read-your-writes wait makes a
    GET right after a POST find the new row on it."""
    replica = stack.db_url("POSTGRES_REPLICA_PORT")
    _apply_delay(replica, "300ms")
    try:
        client = stack.client()
        before = _replica_transactions(stack)
        for index in range(8):
            account = _written_then_read(client, client, replica, f"ryw-{index}")
            listed = _items(client.get("/api/v1/accounts").json())
            assert account in [item["id"] for item in listed]
        eventually(lambda: _replica_transactions(stack) >= before + 16)
    finally:
        _apply_delay(replica, "0")


def test_a_user_reads_their_writes_whichever_credential_made_them(replicated: Stack) -> None:
    """Read-your-writes follows the user, not the credential: a personal API token works on the
    request right after it was made, and what a script writes with it, the user's browser
    session (an access token) reads at once, though the replica applies commits 300 ms late."""
    stack = replicated
    replica = stack.db_url("POSTGRES_REPLICA_PORT")
    _apply_delay(replica, "300ms")
    try:
        browser = stack.client()
        for index in range(4):
            made = browser.post("/api/v1/tokens", json={"name": f"script-{index}"})
            assert made.status_code == 201, made.text
            script = httpx.Client(
                base_url=stack.ready["gateway_url"],
                timeout=15,
                headers={"Authorization": f"Bearer {made.json()['token']}"},
            )
            _written_then_read(script, browser, replica, f"by-script-{index}")
            script.close()
    finally:
        _apply_delay(replica, "0")


def _written_then_read(writer: httpx.Client, reader: httpx.Client, replica: str, name: str) -> int:
    """An account ``writer`` creates, read back by ``reader`` before the replica applied it."""
    created = new_account(writer, name)
    assert created.status_code == 201, created.text
    account = int(created.json()["id"])
    assert fetch(replica, "SELECT 1 FROM accounts WHERE id = $1", account) is None
    read = reader.get(f"/api/v1/accounts/{account}")
    assert read.status_code == 200, read.text
    assert read.json()["name"] == name
    return account


def _apply_delay(replica: str, delay: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(replica)
        try:
            await conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{delay}'")
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()

    asyncio.run(run())


def _items(body: Any) -> list[dict[str, Any]]:
    return body["items"] if isinstance(body, dict) else body


@dataclass
class Load:
    """Threads creating accounts through the gateway; ids of the acknowledged (201) ones."""

    stack: Stack
    acknowledged: list[int] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, worker: int) -> None:
        client = None
        while client is None and not self.stop.is_set():
            try:
                client = self.stack.client()
            except (AssertionError, httpx.HTTPError):  # a login refused while a server is down
                self.failures += 1
                time.sleep(0.05)
        if client is None:
            return
        index = 0
        while not self.stop.is_set():
            index += 1
            try:
                response = new_account(client, f"load-{worker}-{index}")
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 201:
                self.acknowledged.append(int(response.json()["id"]))
            else:
                self.failures += 1
                time.sleep(0.05)


def test_primary_killed_failover_keeps_every_acknowledged_write(replicated: Stack) -> None:
    stack = replicated
    load = Load(stack)
    threads = [threading.Thread(target=load.run, args=(n,), daemon=True) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        eventually(lambda: len(load.acknowledged) >= 20, 30)
        children = read_json(stack.data_dir / "run" / "children.json")
        os.kill(int(children["postgres"]["pid"]), signal.SIGKILL)
        before_failover = len(load.acknowledged)
        done = subprocess.run(
            pulsefolio("failover"), env=stack.env, cwd=REPO, capture_output=True, text=True,
            timeout=90, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        after_failover = len(load.acknowledged)
        eventually(lambda: len(load.acknowledged) >= after_failover + 10, 60)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)
    assert before_failover >= 20

    new_primary = stack.db_url("POSTGRES_REPLICA_PORT")
    assert fetch(new_primary, "SELECT pg_is_in_recovery()") is False
    stored = fetch(new_primary, "SELECT array_agg(id) FROM accounts WHERE name LIKE 'load-%'")
    assert set(load.acknowledged) <= set(stored)
    assert len(set(load.acknowledged)) == len(load.acknowledged)
    topology = read_json(stack.data_dir / "run" / "topology.json")
    assert topology["postgres_primary"]["port"] == stack.port("POSTGRES_REPLICA_PORT")
    old = stack.db_url("POSTGRES_PORT")
    fenced = eventually(lambda: _in_recovery_or_down(old), 30)
    assert fenced in ("standby", "down")

    backup = subprocess.run(
        pulsefolio("backup", "--to", str(stack.data_dir / "after-failover")), env=stack.env,
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert backup.returncode == 0, backup.stdout + backup.stderr
    manifest = Manifest.read(stack.data_dir / "after-failover")
    assert manifest.method == "physical"
    assert manifest.tables["accounts"]["rows"] >= len(load.acknowledged)

    with pytest.raises(ConfigurationError, match="failed over"):
        check_roles(load_settings(data_dir=stack.data_dir))
    check_roles(load_settings(data_dir=stack.data_dir, replicas=True))


def _in_recovery_or_down(db_url: str) -> str | None:
    try:
        return "standby" if fetch(db_url, "SELECT pg_is_in_recovery()") else None
    except (OSError, asyncpg.PostgresError):
        return "down"


def test_failover_without_a_replica_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="no PostgreSQL replica runs") as raised:
        failover(load_settings(data_dir=tmp_path))
    assert "pulsefolio up --replicas" in raised.value.detail
