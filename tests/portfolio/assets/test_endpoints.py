"""``/api/v1/assets``: search for everyone, create and edit for admins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pulsefolio.core.domain import Role

MakeUser = Callable[..., Awaitable[Any]]


class TestSearch:
    async def test_by_symbol_name_and_isin(
        self, make_user: MakeUser, make_asset: Callable[..., Awaitable[int]]
    ) -> None:
        user = await make_user()
        await make_asset("AAPL", name="Apple Inc.", isin="US0378331005")
        await make_asset("AAP", name="Advance Auto Parts")
        await make_asset("MSFT", name="Microsoft Corporation")

        async def symbols(q: str) -> list[str]:
            response = await user.client.get("/api/v1/assets", params={"q": q})
            assert response.status_code == 200
            return [asset["symbol"] for asset in response.json()]

        assert await symbols("aap") == ["AAP", "AAPL"]
        assert await symbols("micro") == ["MSFT"]
        assert await symbols("us0378331005") == ["AAPL"]
        assert await symbols("%") == []


class TestAdmin:
    async def test_admin_creates_and_edits_with_sources(self, make_user: MakeUser) -> None:
        admin = await make_user(role=Role.ADMIN)
        body = {
            "symbol": "vwce",
            "name": "Vanguard FTSE All-World",
            "asset_class": "etf",
            "currency": "EUR",
            "isin": "IE00BK5BQT80",
            "sources": [
                {"source": "yahoo", "provider_symbol": "VWCE.DE"},
                {"source": "stooq", "provider_symbol": "vwce.de"},
            ],
        }
        created = await admin.client.post("/api/v1/assets", json=body)
        assert created.status_code == 201, created.text
        asset = created.json()
        assert asset["symbol"] == "VWCE"
        assert [(s["source"], s["priority"]) for s in asset["sources"]] == [
            ("yahoo", 0),
            ("stooq", 1),
        ]
        duplicate = await admin.client.post("/api/v1/assets", json=body)
        assert duplicate.status_code == 409
        edited = await admin.client.patch(
            f"/api/v1/assets/{asset['id']}",
            json={"name": "VWCE", "sources": [{"source": "stooq", "provider_symbol": "x"}]},
        )
        assert edited.status_code == 200
        assert edited.json()["name"] == "VWCE"
        assert [s["source"] for s in edited.json()["sources"]] == ["stooq"]

    async def test_bad_asset_is_422_and_not_written(
        self, make_user: MakeUser, count_rows: Callable[[str], Awaitable[int]]
    ) -> None:
        admin = await make_user(role=Role.ADMIN)
        response = await admin.client.post(
            "/api/v1/assets",
            json={"symbol": "X", "name": "X", "asset_class": "tulips", "currency": "usd1"},
        )
        assert response.status_code == 422
        assert set(response.json()["fields"]) == {"asset_class", "currency"}
        assert await count_rows("assets") == 0
