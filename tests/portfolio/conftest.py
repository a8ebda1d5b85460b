"""API fixtures: the real portfolio app served by uvicorn on a free port, over real servers.

- ``settings``: Settings pointing at this test's database, Redis and stream namespace.
- ``start_app``: factory; ``await start_app(instance_id=...)`` serves one more instance (same
  settings unless given) and returns its :class:`AppServer` (``base_url``, ``ws_url``, ``app``).
- ``app_server``: the first instance; ``client``: an anonymous httpx client on it.
- ``make_user``: factory; ``await make_user(role=Role.ADMIN, base_currency="EUR")`` registers
  and logs in a user and returns a :class:`TestUser` with an authorised ``client``.
- ``db``: an engine on the test database, for counting rows; ``count_rows(table)`` helper.
- ``stream``: a Stream on the test namespace, for consuming what the app publishes.
- ``make_asset``: factory; ``await make_asset("AAPL", currency="USD")`` inserts an asset row.

The password hasher is argon2id with minimal cost, so tests stay fast; production defaults are
untouched.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings, load_settings
from pulsefolio.core.stream import Stream, connect_stream
from pulsefolio.portfolio.app import create_app
from pulsefolio.runtime.ports import free_port

PASSWORD = "correct horse battery"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@dataclass
class AppServer:
    app: FastAPI
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self.task), 15)
        except TimeoutError:  # say where the shutdown waits, then end it
            waiting = "\n".join(_where(task) for task in asyncio.all_tasks() if not task.done())
            self.task.cancel()
            raise AssertionError(f"the app did not stop within 15 s; waiting:\n{waiting}") from None


def _where(task: asyncio.Task[Any]) -> str:
    """The task's chain of awaits, outermost first."""
    steps: list[str] = []
    awaited: Any = task.get_coro()
    while awaited is not None and len(steps) < 20:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "ag_frame", None)
        if frame is None:
            steps.append(type(awaited).__name__)
            break
        steps.append(f"{frame.f_code.co_name} ({Path(frame.f_code.co_filename).name}:"
                     f"{frame.f_lineno})")  # fmt: skip
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "ag_await", None)
    return f"{task.get_name()}: " + " > ".join(steps)


@dataclass
class TestUser:
    id: int
    email: str
    password: str
    access_token: str
    refresh_token: str
    client: httpx.AsyncClient  # sends Authorization: Bearer <access_token>


@pytest.fixture
def settings(
    database_url: str, redis_url: str, nats_url: str, stream_namespace: str, tmp_path: Path
) -> Settings:
    return load_settings(
        database_url=database_url,
        redis_url=redis_url,
        nats_url=nats_url,
        namespace=stream_namespace,
        data_dir=tmp_path,
        secret_key="test-secret-" + uuid.uuid4().hex,
    )


@pytest_asyncio.fixture
async def start_app(settings: Settings) -> AsyncIterator[Callable[..., Awaitable[AppServer]]]:
    started: list[AppServer] = []

    async def start(
        instance_id: str | None = None, app_settings: Settings | None = None
    ) -> AppServer:
        port = free_port()
        app = create_app(
            app_settings or settings,
            instance_id or f"test-{len(started)}",
            password_hasher=FAST_HASHER,
        )
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            ws="websockets-sansio",
        )
        server = uvicorn.Server(config)
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        task = asyncio.create_task(server.serve())
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            if task.done():
                task.result()
            raise RuntimeError("test app did not start")
        handle = AppServer(app, server, task, port)
        started.append(handle)
        return handle

    yield start
    for handle in reversed(started):
        await handle.stop()


@pytest_asyncio.fixture
async def app_server(start_app: Callable[..., Awaitable[AppServer]]) -> AppServer:
    return await start_app("test-0")


@pytest_asyncio.fixture
async def client(app_server: AppServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app_server.base_url, timeout=10) as anonymous:
        yield anonymous


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
def count_rows(db: AsyncEngine) -> Callable[[str], Awaitable[int]]:
    async def count(table: str) -> int:
        async with db.connect() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())  # noqa: S608

    return count


@pytest_asyncio.fixture
async def make_user(
    app_server: AppServer, db: AsyncEngine
) -> AsyncIterator[Callable[..., Awaitable[TestUser]]]:
    clients: list[httpx.AsyncClient] = []

    async def make(
        email: str | None = None,
        *,
        role: Role = Role.USER,
        base_currency: str = "USD",
        password: str = PASSWORD,
        server: AppServer | None = None,
    ) -> TestUser:
        target = server or app_server
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        async with httpx.AsyncClient(base_url=target.base_url, timeout=10) as anonymous:
            created = await anonymous.post(
                "/api/v1/auth/register",
                json={"email": email, "password": password, "base_currency": base_currency},
            )
            assert created.status_code == 201, created.text
            user_id = int(created.json()["id"])
            if role != Role.USER:
                async with db.begin() as conn:
                    await conn.execute(
                        text("UPDATE users SET role = :role WHERE id = :id"),
                        {"role": role.value, "id": user_id},
                    )
            login = await anonymous.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            assert login.status_code == 200, login.text
            tokens: dict[str, Any] = login.json()
        authorised = httpx.AsyncClient(
            base_url=target.base_url,
            timeout=10,
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        clients.append(authorised)
        return TestUser(
            user_id, email, password, tokens["access_token"], tokens["refresh_token"], authorised
        )

    yield make
    for authorised in clients:
        await authorised.aclose()


@pytest_asyncio.fixture
async def stream(settings: Settings) -> AsyncIterator[Stream]:
    assert settings.nats_url
    opened = await connect_stream(settings.nats_url, settings.namespace)
    yield opened
    await opened.close()


@pytest_asyncio.fixture
async def make_asset(db: AsyncEngine) -> Callable[..., Awaitable[int]]:
    """Factory: ``await make_asset("AAPL", currency="USD")`` inserts an asset, returns its id."""

    async def make(
        symbol: str,
        *,
        currency: str = "USD",
        name: str | None = None,
        asset_class: str = "stock",
        isin: str | None = None,
    ) -> int:
        async with db.begin() as conn:
            result = await conn.execute(
                text(
                    "INSERT INTO assets (symbol, name, asset_class, currency, isin) "
                    "VALUES (:symbol, :name, :asset_class, :currency, :isin) RETURNING id"
                ),
                {
                    "symbol": symbol,
                    "name": name or f"{symbol} Inc.",
                    "asset_class": asset_class,
                    "currency": currency,
                    "isin": isin,
                },
            )
            return int(result.scalar_one())

    return make
