"""``GET/PATCH /api/v1/me``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pulsefolio.core.events import PositionChanged
from pulsefolio.core.stream import Stream, Topic

MakeUser = Callable[..., Awaitable[Any]]


class TestMe:
    async def test_reads_and_changes_base_currency(
        self, make_user: MakeUser, stream: Stream
    ) -> None:
        user = await make_user(base_currency="USD")
        me = (await user.client.get("/api/v1/me")).json()
        assert (me["id"], me["email"], me["base_currency"], me["role"]) == (
            user.id,
            user.email,
            "USD",
            "user",
        )
        changed = await user.client.patch("/api/v1/me", json={"base_currency": "chf"})
        assert changed.status_code == 200
        assert changed.json()["base_currency"] == "CHF"
        assert (await user.client.get("/api/v1/me")).json()["base_currency"] == "CHF"
        async for batch in stream.consume([Topic.POSITIONS], consumer=None, from_start=True):
            event = PositionChanged.decode(batch[0].data)
            assert (event.user_id, event.account_id) == (user.id, 0)
            break

    async def test_bad_currency_is_422_and_unchanged(self, make_user: MakeUser) -> None:
        user = await make_user(base_currency="EUR")
        response = await user.client.patch("/api/v1/me", json={"base_currency": "euro"})
        assert response.status_code == 422
        assert "base_currency" in response.json()["fields"]
        assert (await user.client.get("/api/v1/me")).json()["base_currency"] == "EUR"
        extra = await user.client.patch("/api/v1/me", json={"role": "admin"})
        assert extra.status_code == 422
        assert (await user.client.get("/api/v1/me")).json()["role"] == "user"
