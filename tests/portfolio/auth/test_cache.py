"""Authentication without a database read per request, and the limits of what it remembers.

Changes made straight in the database stand for changes made through another instance: this
instance learns of them only when its entry expires (``cache.TTL_SECONDS``, shortened here).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.portfolio.auth import cache

MakeUser = Callable[..., Awaitable[Any]]
TTL = 0.6


@pytest.fixture(autouse=True)
def short_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "TTL_SECONDS", TTL)


async def personal_token(user: Any) -> tuple[int, str]:
    created = await user.client.post("/api/v1/tokens", json={"name": "script"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"]), str(created.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refused_within(client: httpx.AsyncClient, headers: dict[str, str]) -> float:
    """Seconds until ``GET /api/v1/me`` with ``headers`` answers 401 (fails past 3 × TTL)."""
    start = time.monotonic()
    while time.monotonic() - start < 3 * TTL:
        if (await client.get("/api/v1/me", headers=headers)).status_code == 401:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    raise AssertionError("still accepted after three times the cache's lifetime")


class TestPersonalTokens:
    async def test_last_use_is_recorded_to_the_minute(
        self, make_user: MakeUser, client: httpx.AsyncClient, db: AsyncEngine
    ) -> None:
        """A use is written only when the recorded one is a minute old: a script calling every
        second does not turn each of its requests into a write."""
        user = await make_user()
        token_id, token = await personal_token(user)

        async def last_used() -> datetime | None:
            async with db.connect() as conn:
                query = text("SELECT last_used_at FROM api_tokens WHERE id = :id")
                return (await conn.execute(query, {"id": token_id})).scalar_one()  # type: ignore[no-any-return]

        assert await last_used() is None
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        first = await last_used()
        assert first is not None and abs(datetime.now(UTC) - first) < timedelta(seconds=30)
        listed = (await user.client.get("/api/v1/tokens")).json()
        assert datetime.fromisoformat(listed[0]["last_used_at"]) == first

        await asyncio.sleep(TTL * 1.5)  # the identity is looked up again, within the minute
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        assert await last_used() == first

        async with db.begin() as conn:
            moved = "UPDATE api_tokens SET last_used_at = last_used_at - interval '2 minutes'"
            await conn.execute(text(moved + " WHERE id = :id"), {"id": token_id})
        await asyncio.sleep(TTL * 1.5)
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        latest = await last_used()
        assert latest is not None and latest >= first

    async def test_revoked_in_database_is_refused_within_the_ttl(
        self, make_user: MakeUser, client: httpx.AsyncClient, db: AsyncEngine
    ) -> None:
        user = await make_user()
        token_id, token = await personal_token(user)
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        async with db.begin() as conn:
            await conn.execute(
                text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id"), {"id": token_id}
            )
        assert await refused_within(client, bearer(token)) <= TTL + 0.3

    async def test_revoked_through_this_instance_is_refused_at_once(
        self, make_user: MakeUser, client: httpx.AsyncClient
    ) -> None:
        user = await make_user()
        token_id, token = await personal_token(user)
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        assert (await user.client.delete(f"/api/v1/tokens/{token_id}")).status_code == 204
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 401


class TestAccessTokens:
    async def test_deleted_user_is_refused_within_the_ttl(
        self, make_user: MakeUser, client: httpx.AsyncClient, db: AsyncEngine
    ) -> None:
        user = await make_user()
        assert (await user.client.get("/api/v1/portfolio")).status_code == 200
        async with db.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
        assert await refused_within(client, bearer(user.access_token)) <= TTL + 0.3

    async def test_cached_user_does_not_excuse_an_expired_or_foreign_token(
        self, make_user: MakeUser, client: httpx.AsyncClient, settings: Settings
    ) -> None:
        user = await make_user()
        assert (await user.client.get("/api/v1/portfolio")).status_code == 200
        past = datetime.now(UTC) - timedelta(hours=1)
        expired = issue_access_token(settings, user.id, Role.USER, now=past)
        foreign = issue_access_token(
            settings.model_copy(update={"secret_key": SecretStr("another-key-" + "x" * 30)}),
            user.id,
            Role.USER,
        )
        for token in (expired, foreign):
            response = await client.get("/api/v1/portfolio", headers=bearer(token))
            assert response.status_code == 401

    async def test_base_currency_change_through_this_instance_applies_at_once(
        self, make_user: MakeUser
    ) -> None:
        user = await make_user(base_currency="USD")
        assert (await user.client.get("/api/v1/portfolio")).json()["base_currency"] == "USD"
        changed = await user.client.patch("/api/v1/me", json={"base_currency": "EUR"})
        assert changed.status_code == 200, changed.text
        assert (await user.client.get("/api/v1/portfolio")).json()["base_currency"] == "EUR"


class TestNoDatabaseOnReads:
    async def test_cached_portfolio_reads_check_out_no_connection(
        self, make_user: MakeUser
    ) -> None:
        user = await make_user()
        assert (await user.client.get("/api/v1/portfolio")).status_code == 200
        engine = [  # this test's app is the newest engine with a cache
            engine
            for engine, held in list(cache._caches.items())
            if held.get(cache.user_key(user.id)) is not None
        ][-1]
        checkouts: list[object] = []
        listener = lambda *_: checkouts.append(1)  # noqa: E731
        event.listen(engine.sync_engine.pool, "checkout", listener)
        try:
            for _ in range(10):
                assert (await user.client.get("/api/v1/portfolio")).status_code == 200
        finally:
            event.remove(engine.sync_engine.pool, "checkout", listener)
        assert checkouts == []
