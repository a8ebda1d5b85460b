"""Error answers shared by both services, against real database failures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.web import install_error_handlers
from pulsefolio.runtime.ports import free_port


@pytest_asyncio.fixture(loop_scope="session")
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    unreachable = create_engine(f"postgresql://nobody:secret@127.0.0.1:{free_port()}/none")
    reachable = create_engine(database_url)
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/closed-port")
    async def closed_port() -> int:
        async with unreachable.connect() as conn:
            return int(await conn.scalar(text("SELECT 1")) or 0)

    @app.post("/read-only")
    async def read_only() -> None:
        async with reachable.begin() as conn:
            await conn.execute(text("SET TRANSACTION READ ONLY"))
            await conn.execute(text("CREATE TABLE never (id int)"))

    @app.get("/bug")
    async def bug() -> None:
        raise ZeroDivisionError("a defect, not an outage")

    @app.get("/missing-file")
    async def missing_file() -> None:
        raise FileNotFoundError("an I/O error that no retry mends")

    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await reachable.dispose()
    await unreachable.dispose()


async def test_an_unreachable_database_is_503_with_retry_after(client: httpx.AsyncClient) -> None:
    answer = await client.get("/closed-port")

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["error"] == "ServiceUnavailable"


async def test_a_write_to_a_read_only_server_is_503(client: httpx.AsyncClient) -> None:
    """What a write meets on a standby during failover, before the services reconnect."""
    answer = await client.post("/read-only")

    assert answer.status_code == 503
    assert answer.json()["error"] == "ServiceUnavailable"


async def test_a_defect_stays_a_500(client: httpx.AsyncClient) -> None:
    assert (await client.get("/bug")).status_code == 500
    assert (await client.get("/missing-file")).status_code == 500
