"""Every route refuses a stranger: another user's ids answer 404 and change nothing.

Admin routes answer 403 to a non-admin; every route answers 401 without a token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

MakeUser = Callable[..., Awaitable[Any]]
TABLES = ("users", "accounts", "transactions", "positions", "cash_balances", "api_tokens", "assets")

# (method, path template, body); {account}, {transaction}, {token}, {asset} are the owner's ids.
OWNED_ROUTES = [
    ("GET", "/api/v1/accounts/{account}", None),
    ("PATCH", "/api/v1/accounts/{account}", {"name": "stolen"}),
    ("POST", "/api/v1/accounts/{account}/close", None),
    ("GET", "/api/v1/accounts/{account}/positions", None),
    ("GET", "/api/v1/accounts/{account}/transactions", None),
    (
        "POST",
        "/api/v1/accounts/{account}/transactions",
        {"type": "DEPOSIT", "amount": "5", "executed_at": "2024-01-02T00:00:00Z"},
    ),
    ("GET", "/api/v1/transactions/{transaction}", None),
    ("PATCH", "/api/v1/transactions/{transaction}", {"quantity": "1"}),
    ("DELETE", "/api/v1/transactions/{transaction}", None),
    ("DELETE", "/api/v1/tokens/{token}", None),
]
ADMIN_ROUTES = [
    (
        "POST",
        "/api/v1/assets",
        {"symbol": "NEW", "name": "New", "asset_class": "stock", "currency": "USD"},
    ),
    ("PATCH", "/api/v1/assets/{asset}", {"name": "renamed"}),
]
OPEN_ROUTES = [("GET", "/api/v1/me", None), ("GET", "/api/v1/assets", None)]


@pytest.fixture
async def owned(make_user: MakeUser, make_asset: Callable[..., Awaitable[int]]) -> dict[str, Any]:
    """An owner with an account, a BUY, and an API token; and a stranger."""
    owner, stranger = await make_user(), await make_user()
    asset = await make_asset("OWN")
    account = (
        await owner.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
    ).json()["id"]
    tx = await owner.client.post(
        f"/api/v1/accounts/{account}/transactions",
        json={
            "type": "BUY",
            "asset_id": asset,
            "quantity": "3",
            "price": "10",
            "executed_at": "2024-01-02T00:00:00Z",
        },
    )
    assert tx.status_code == 201, tx.text
    token = (await owner.client.post("/api/v1/tokens", json={"name": "t"})).json()["id"]
    ids = {"account": account, "transaction": tx.json()["id"], "token": token, "asset": asset}
    return {"owner": owner, "stranger": stranger, "ids": ids}


async def _snapshot(db_count: Callable[[str], Awaitable[int]], owner: Any) -> tuple[Any, ...]:
    counts = tuple([await db_count(table) for table in TABLES])
    account_list = (await owner.client.get("/api/v1/accounts")).json()
    tokens = (await owner.client.get("/api/v1/tokens")).json()
    first = account_list[0]["id"]
    txs = (await owner.client.get(f"/api/v1/accounts/{first}/transactions")).json()
    positions = (await owner.client.get(f"/api/v1/accounts/{first}/positions")).json()
    return counts, account_list, tokens, txs, positions


async def test_strangers_get_404_and_change_nothing(
    owned: dict[str, Any], count_rows: Callable[[str], Awaitable[int]]
) -> None:
    before = await _snapshot(count_rows, owned["owner"])
    for method, path, body in OWNED_ROUTES:
        url = path.format(**owned["ids"])
        response = await owned["stranger"].client.request(method, url, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "NotFound", (method, path)
    assert await _snapshot(count_rows, owned["owner"]) == before


async def test_admin_routes_refuse_users_with_403(
    owned: dict[str, Any], count_rows: Callable[[str], Awaitable[int]]
) -> None:
    before = await _snapshot(count_rows, owned["owner"])
    for method, path, body in ADMIN_ROUTES:
        url = path.format(**owned["ids"])
        response = await owned["owner"].client.request(method, url, json=body)
        assert response.status_code == 403, (method, path, response.text)
    found = (await owned["stranger"].client.get("/api/v1/assets?q=OWN")).json()
    assert [asset["name"] for asset in found] == ["OWN Inc."]
    assert await _snapshot(count_rows, owned["owner"]) == before


async def test_every_route_needs_a_valid_token(
    owned: dict[str, Any],
    client: httpx.AsyncClient,
    count_rows: Callable[[str], Awaitable[int]],
) -> None:
    before = await _snapshot(count_rows, owned["owner"])
    routes = [*OWNED_ROUTES, *ADMIN_ROUTES, *OPEN_ROUTES, ("GET", "/api/v1/tokens", None)]
    for headers in ({}, {"Authorization": "Bearer pf_revoked-or-never-issued"}):
        for method, path, body in routes:
            url = path.format(**owned["ids"])
            response = await client.request(method, url, json=body, headers=headers)
            assert response.status_code == 401, (method, path, headers, response.text)
    assert await _snapshot(count_rows, owned["owner"]) == before
