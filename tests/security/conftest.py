"""Security fixtures: both services on real uvicorn servers, a victim with data, an attacker.

The portfolio fixtures (``settings``, ``start_app``, ``make_user``, ...) are the ones the
portfolio tests use; the asset service runs beside it with the same settings, so one access
token is valid on both.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import portfolio.conftest as shared
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets.app import create_app as create_asset_app
from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings

AppServer, TestUser, free_port = shared.AppServer, shared.TestUser, shared.free_port
# the portfolio tests' fixtures, available here under the same names
settings, start_app, app_server = shared.settings, shared.start_app, shared.app_server
client, db, count_rows = shared.client, shared.db, shared.count_rows
make_user, make_asset = shared.make_user, shared.make_asset

MakeUser = Callable[..., Awaitable[TestUser]]


@dataclass
class Served:
    app: FastAPI
    base_url: str


@pytest_asyncio.fixture
async def asset_server(settings: Settings) -> AsyncIterator[Served]:
    """The asset service with no sources and no refresh loop, on a free port."""
    async with serve_assets(settings) as served:
        yield served


@asynccontextmanager
async def serve_assets(settings: Settings) -> AsyncIterator[Served]:
    app = create_asset_app(settings, refresh=False, sources={})
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.02)
            assert not task.done(), "asset service did not start"
    yield Served(app, f"http://127.0.0.1:{port}")
    server.should_exit = True
    await asyncio.wait_for(task, 15)


@dataclass
class Victim:
    """A user with an account, a purchase and an API token, all marked with unique strings."""

    user: TestUser
    ids: dict[str, int]
    api_token: str
    secrets: list[str] = field(default_factory=list)  # strings no stranger may ever see


@pytest_asyncio.fixture
async def victim(make_user: MakeUser, make_asset: Callable[..., Awaitable[int]]) -> Victim:
    mark = uuid.uuid4().hex[:12]
    user = await make_user(f"victim-{mark}@example.com")
    asset = await make_asset(f"V{mark[:6].upper()}")
    account = await user.client.post(
        "/api/v1/accounts", json={"name": f"Vault {mark}", "currency": "USD"}
    )
    assert account.status_code == 201, account.text
    account_id = account.json()["id"]
    bought = await user.client.post(
        f"/api/v1/accounts/{account_id}/transactions",
        json={
            "type": "BUY",
            "asset_id": asset,
            "quantity": "7.3131",
            "price": "123.4567",
            "executed_at": "2024-01-02T00:00:00Z",
            "note": f"note {mark}",
        },
    )
    assert bought.status_code == 201, bought.text
    token = await user.client.post("/api/v1/tokens", json={"name": f"script {mark}"})
    assert token.status_code == 201, token.text
    created: dict[str, Any] = token.json()
    ids = {
        "account_id": account_id,
        "transaction_id": bought.json()["id"],
        "token_id": created["id"],
        "asset_id": asset,
        "user_id": user.id,
    }
    secrets = [user.email, mark, "7.3131", "123.4567", user.access_token, user.refresh_token]
    return Victim(user, ids, created["token"], [*secrets, created["token"]])


@pytest_asyncio.fixture
async def attacker(make_user: MakeUser) -> tuple[TestUser, str]:
    """Another user, and a personal API token of theirs."""
    user = await make_user()
    token = await user.client.post("/api/v1/tokens", json={"name": "attacker"})
    assert token.status_code == 201, token.text
    return user, str(token.json()["token"])


async def promote(db: AsyncEngine, user_id: int) -> None:
    """Make the user an administrator where both services read the role: the database."""
    async with db.begin() as conn:
        await conn.execute(
            text("UPDATE users SET role = :role WHERE id = :id"),
            {"role": Role.ADMIN.value, "id": user_id},
        )
