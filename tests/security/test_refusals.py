"""Every refusal in the one error shape, naming the field and the reason, and writing nothing:
malformed bodies, methods a path does not have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

from .conftest import promote

if TYPE_CHECKING:
    from .conftest import Served, Victim

Count = Callable[[str], Awaitable[int]]
TABLES = ("accounts", "transactions", "api_tokens")

# name -> (body bytes, content type, words the reason must hold)
MALFORMED: dict[str, tuple[bytes, str | None, str]] = {
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
    "invalid UTF-8": (b'{"name": "\xff\xfe", "currency": "USD"}', "application/json", "UTF-8"),
    "truncated": (b'{"name": "Main", "currency": "U', "application/json", "line 1, column"),
    "not JSON": (b"name=Main&currency=USD", "application/json", "not valid JSON"),
    "wrong content type": (b'{"name": "Main", "currency": "USD"}', "text/plain", "Content-Type"),
    "form content type": (b"name=Main", "application/x-www-form-urlencoded", "Content-Type"),
    "empty": (b"", "application/json", "a JSON body is required"),
    "absent": (b"", None, "a JSON body is required"),
}


async def _counts(count_rows: Count) -> dict[str, int]:
    return {table: await count_rows(table) for table in TABLES}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_body_is_422_naming_the_body(
    case: str, victim: Victim, count_rows: Count
) -> None:
    content, content_type, words = MALFORMED[case]
    headers = {"Content-Type": content_type} if content_type else {}
    account = victim.ids["account_id"]
    before = await _counts(count_rows)
    for method, path in (
        ("POST", "/api/v1/accounts"),
        ("POST", f"/api/v1/accounts/{account}/transactions"),  # parses numbers as decimals
        ("PATCH", f"/api/v1/transactions/{victim.ids['transaction_id']}"),
        ("POST", "/api/v1/tokens"),
    ):
        response = await victim.user.client.request(method, path, content=content, headers=headers)
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert body["error"] == "ValidationFailed", (path, body)
        assert list(body["fields"]) == ["body"], (path, body)
        assert words in body["fields"]["body"], (path, body)
    assert await _counts(count_rows) == before


async def test_a_field_of_the_body_is_named_by_its_path(victim: Victim) -> None:
    response = await victim.user.client.post(
        f"/api/v1/accounts/{victim.ids['account_id']}/transactions",
        json={"type": "SELL", "executed_at": "2024-02-01T00:00:00Z", "lots": [{"lot_id": 1}]},
    )
    assert response.status_code == 422, response.text
    assert "lots.0.quantity" in response.json()["fields"]


async def test_405_lists_every_method_of_the_path(victim: Victim) -> None:
    document = (await victim.user.client.get("/api/v1/openapi.json")).json()
    for path, url in (
        ("/api/v1/accounts", "/api/v1/accounts"),
        ("/api/v1/accounts/{account_id}", f"/api/v1/accounts/{victim.ids['account_id']}"),
        ("/api/v1/transactions/{transaction_id}", "/api/v1/transactions/1"),
    ):
        declared = {method.upper() for method in document["paths"][path]}
        assert len(declared) >= 2, path
        response = await victim.user.client.put(url, json={})
        if "PUT" in declared:
            continue
        assert response.status_code == 405, (url, response.text)
        allowed = set(response.headers["Allow"].split(", "))
        assert allowed - {"HEAD"} == declared, url
        body = response.json()
        assert body["error"] == "MethodNotAllowed", body
        assert set(body) == {"error", "detail"}
        assert "PUT" in body["detail"]


async def test_an_unknown_path_is_404_in_the_same_shape(victim: Victim) -> None:
    response = await victim.user.client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


async def test_the_asset_service_refuses_the_same_way(
    asset_server: Served, victim: Victim, settings: Settings, db: AsyncEngine
) -> None:
    await promote(db, victim.user.id)
    token = issue_access_token(settings, victim.user.id, Role.ADMIN)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=asset_server.base_url, headers=headers) as http:
        for content, words in ((b'{"prices": [', "not valid JSON"), (b"\xff", "UTF-8")):
            response = await http.put("/api/v1/market/manual-prices", content=content)
            assert response.status_code == 422, response.text
            assert words in response.json()["fields"]["body"]
        response = await http.delete("/api/v1/market/manual-prices")
        assert response.status_code == 405, response.text
        assert response.headers["Allow"] == "PUT"
        assert response.json()["error"] == "MethodNotAllowed"


async def test_who_may_ask_is_decided_before_what_was_sent(
    asset_server: Served, victim: Victim, settings: Settings, count_rows: Count
) -> None:
    """A signed-out caller, or one with a bad token, is told to sign in whatever they sent; a
    user sending an admin route a malformed body is told it is for admins."""
    before = await _counts(count_rows)
    truncated, headers = b'{"name": "Main", "currency": "U', {"Content-Type": "application/json"}
    portfolio = str(victim.user.client.base_url)
    account = victim.ids["account_id"]
    for auth in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer pf_x"}):
        async with httpx.AsyncClient(base_url=portfolio, headers={**headers, **auth}) as http:
            for method, path in (
                ("POST", "/api/v1/accounts"),
                ("POST", f"/api/v1/accounts/{account}/transactions"),
                ("PATCH", f"/api/v1/transactions/{victim.ids['transaction_id']}"),
            ):
                for content in (truncated, b"\xff", b"[" * 100_000):
                    response = await http.request(method, path, content=content)
                    assert response.status_code == 401, (auth, path, response.text)
                    assert response.json()["error"] == "Unauthorized", response.text
            bad_query = await http.get("/api/v1/portfolio/history", params={"start": "0"})
            assert bad_query.status_code == 401, bad_query.text
        async with httpx.AsyncClient(base_url=asset_server.base_url, headers=auth) as http:
            response = await http.put(
                "/api/v1/market/manual-prices", content=truncated, headers=headers
            )
            assert response.status_code == 401, (auth, response.text)
    # signed in, not an admin: the admin route refuses them before reading the body
    user_headers = {**headers, "Authorization": victim.user.client.headers["Authorization"]}
    async with httpx.AsyncClient(base_url=asset_server.base_url, headers=user_headers) as http:
        response = await http.put("/api/v1/market/manual-prices", content=truncated)
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "Forbidden"
    response = await victim.user.client.post("/api/v1/assets", content=truncated, headers=headers)
    assert response.status_code == 403, response.text
    # and the signed-in caller still learns what is wrong with the body
    response = await victim.user.client.post("/api/v1/accounts", content=truncated,
                                             headers=headers)  # fmt: skip
    assert response.status_code == 422, response.text
    assert await _counts(count_rows) == before
