"""NATS down during a write: the transaction commits with its PositionChanged in the outbox, and
another instance shows the new position once NATS returns.

The two instances use a NATS server of this test's own (killed and restarted on the same store),
so the outage touches nothing else of the run.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sysconfig
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.settings import Settings

NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"


class Nats:
    def __init__(self, store: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.store = store
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(NATS_SERVER), "-js", "-sd", str(self.store), "-p", str(self.port),
             "-a", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[Nats]:
    server = Nats(tmp_path / "js")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings(settings: Settings, nats: Nats) -> Settings:
    """The run's settings, on this test's NATS."""
    return settings.model_copy(update={"nats_url": nats.url})


async def _held(client: httpx.AsyncClient, symbol: str) -> list[Any]:
    body = (await client.get("/api/v1/portfolio")).json()
    return [h for h in body["holdings"] if h.get("symbol") == symbol]


async def _waiting(db: AsyncEngine) -> list[str]:
    async with db.connect() as conn:
        rows = await conn.execute(text("SELECT subject FROM stream_outbox"))
        return [subject.split("\x1f")[0] for (subject,) in rows]


async def _sent(db: AsyncEngine) -> bool:
    return not await _waiting(db)


async def _until(check: Callable[[], Awaitable[Any]], within: float) -> Any:
    """What ``check`` returns once it is true; fails after ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not (found := await check()):
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
    return found


async def test_a_write_while_nats_is_down_reaches_another_instance(
    nats: Nats,
    start_app: Callable[..., Awaitable[Any]],
    make_user: Callable[..., Awaitable[Any]],
    make_asset: Callable[..., Awaitable[int]],
    db: AsyncEngine,
) -> None:
    user = await make_user()
    acme = await make_asset("ACME")
    account = (
        await user.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
    ).json()["id"]
    other = await start_app("test-other")
    headers = {"Authorization": f"Bearer {user.access_token}"}
    async with httpx.AsyncClient(base_url=other.base_url, headers=headers, timeout=10) as there:
        assert await _held(there, "ACME") == []  # the other instance now holds this user
        await _until(lambda: _sent(db), within=5)  # the account's own change, before the outage

        nats.stop()
        bought = await user.client.post(
            f"/api/v1/accounts/{account}/transactions",
            json={"type": "BUY", "asset_id": acme, "quantity": "12", "price": "5",
                  "executed_at": "2024-03-01T10:00:00Z"},
        )  # fmt: skip
        assert bought.status_code == 201, bought.text
        assert await _waiting(db) == ["positions"]
        await asyncio.sleep(0.5)
        assert await _held(there, "ACME") == []  # stale until the message arrives

        nats.start()
        held = await _until(lambda: _held(there, "ACME"), within=20)
        assert held[0]["quantity"] == "12"
    assert await _waiting(db) == []
