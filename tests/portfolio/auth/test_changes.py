"""Identity changes made anywhere reach the instance at once through PostgreSQL notifications.

The short cache lifetime is raised to a minute here, so every refusal within a second below is
the notification's doing. Changes are made straight in the database, as another instance or an
operator would make them; reads go through the fast path once the caller is cached.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.portfolio.auth import cache

LONG = 60.0


@pytest.fixture(autouse=True)
def long_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "TTL_SECONDS", LONG)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def until(check: Any, within: float = 2.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < within:
        if await check():
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {within} s")


async def listening(app_db_user: Any) -> None:
    """Wait until this app's cache trusts its notification channel."""

    async def trusted() -> bool:
        held = [c for c in list(cache._caches.values()) if c.get(cache.user_key(app_db_user))]
        return bool(held) and all(c.listening for c in held)

    await until(trusted, 5.0)


async def execute(db: AsyncEngine, sql: str, **params: object) -> None:
    async with db.begin() as conn:
        await conn.execute(text(sql), params)


class TestNotifications:
    async def test_a_deleted_user_is_refused_at_once_on_the_fast_path(  # type: ignore[no-untyped-def]
        self, make_user, client: httpx.AsyncClient, db: AsyncEngine
    ) -> None:
        eve = await make_user()
        for _ in range(3):
            assert (await eve.client.get("/api/v1/portfolio")).status_code == 200
        await listening(eve.id)
        await execute(db, "DELETE FROM users WHERE id = :id", id=eve.id)

        async def refused() -> bool:
            answer = await client.get("/api/v1/portfolio", headers=bearer(eve.access_token))
            return answer.status_code == 401

        assert await until(refused) < 1.0

    async def test_a_role_change_applies_at_once(  # type: ignore[no-untyped-def]
        self, make_user, db: AsyncEngine
    ) -> None:
        eve = await make_user()
        assert (await eve.client.get("/api/v1/me")).json()["role"] == "user"
        await listening(eve.id)
        await execute(db, "UPDATE users SET role = 'admin' WHERE id = :id", id=eve.id)

        async def promoted() -> bool:
            return bool((await eve.client.get("/api/v1/me")).json()["role"] == "admin")

        assert await until(promoted) < 1.0
        await execute(db, "UPDATE users SET role = 'user' WHERE id = :id", id=eve.id)

        async def demoted() -> bool:
            return bool((await eve.client.get("/api/v1/me")).json()["role"] == "user")

        assert await until(demoted) < 1.0

    async def test_a_personal_token_revoked_in_the_database_is_refused_at_once(  # type: ignore[no-untyped-def]
        self, make_user, client: httpx.AsyncClient, db: AsyncEngine
    ) -> None:
        eve = await make_user()
        created = (await eve.client.post("/api/v1/tokens", json={"name": "script"})).json()
        token = created["token"]
        assert (await client.get("/api/v1/portfolio", headers=bearer(token))).status_code == 200
        await listening(eve.id)
        await execute(db, "UPDATE api_tokens SET revoked_at = now() WHERE id = :id",
                      id=int(created["id"]))  # fmt: skip

        async def refused() -> bool:
            answer = await client.get("/api/v1/portfolio", headers=bearer(token))
            return answer.status_code == 401

        assert await until(refused) < 1.0

    async def test_without_the_channel_entries_are_short_lived_again(  # type: ignore[no-untyped-def]
        self, make_user, db: AsyncEngine
    ) -> None:
        """The listener's connection is cut: until it is back the cache holds nothing it
        could not re-check, and once back it trusts the channel again."""
        eve = await make_user()
        assert (await eve.client.get("/api/v1/me")).status_code == 200
        await listening(eve.id)
        held = [c for c in list(cache._caches.values()) if c.get(cache.user_key(eve.id))]
        await execute(
            db,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'pulsefolio-identity' AND datname = current_database()",
        )

        async def dropped() -> bool:
            return not any(c.listening for c in held)

        await until(dropped, 5.0)
        assert all(c.get(cache.user_key(eve.id)) is None for c in held)
        assert (await eve.client.get("/api/v1/me")).status_code == 200

        async def back() -> bool:
            return all(c.listening for c in held)

        await until(back, 5.0)
        assert (await eve.client.get("/api/v1/me")).status_code == 200
        assert all(c.get(cache.user_key(eve.id)) is not None for c in held)
