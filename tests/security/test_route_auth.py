"""Every route of both services refuses callers it should, and leaks nothing while refusing.

Routes are found by walking each app, so a route added later is covered at once; a route that
answers without credentials must be on :data:`PUBLIC` (with its reason) or this file fails.
For each protected route: no token, garbage, an expired token, a token signed with another key,
an ``alg: none`` token and an unknown personal API token get 401/403/404; another user's access
token and API token, aimed at the victim's ids, get 401/403/404 too; admin routes refuse users.
No refusal's body carries anything of the victim's.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
import websockets

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

from .routes import Endpoint, Sampler, endpoints, fill

if TYPE_CHECKING:
    from .conftest import AppServer, Served, TestUser, Victim

REFUSED = {401, 403, 404}

# (method, path): why it answers without a token
PUBLIC = {
    ("GET", "/api/v1/health"): "liveness probe for the gateway",
    ("GET", "/api/v1/market/health"): "the asset service's probe through the gateway",
    ("POST", "/api/v1/auth/register"): "sign-up",
    ("POST", "/api/v1/auth/login"): "login, rate-limited in the app and at the gateway",
    ("POST", "/api/v1/auth/refresh"): "the refresh token in the body is the credential",
    ("POST", "/api/v1/auth/logout"): "the refresh token in the body is the credential",
    ("GET", "/api/v1/openapi.json"): "API description",
    ("GET", "/api/v1/market/openapi.json"): "API description",
    ("GET", "/api/v1/docs"): "API documentation page",
    ("GET", "/api/v1/docs/start.js"): "API documentation page's start script",
    ("MOUNT", "/api/v1/docs/static"): "Swagger UI's scripts and styles (static, no data)",
    ("GET", "/"): "the dashboard's page (static, no data)",
    ("GET", "/app/{name:path}"): "the dashboard's scripts and styles (static, no data)",
    ("GET", "/api/v1/market/sources"): "public market data: source status, no user data",
    ("GET", "/api/v1/market/quotes/{symbol}"): "public market data: a symbol's latest price",
    ("GET", "/metrics"): "Prometheus page: counters of the asset service, no user data",
    ("GET", "/api/v1/market/metrics"): "Prometheus page: counters of the asset service",
}
# Path or query parameters naming shared (catalogue) resources rather than a user's own.
SHARED_PARAMS = {"asset_id", "symbol", "name"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def bad_credentials(settings: Settings, user_id: int) -> dict[str, str | None]:
    """Authorization header values that must never pass, by what is wrong with them."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": Role.ADMIN.value,
        "type": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
    }
    expired = issue_access_token(settings, user_id, Role.USER, now=now - timedelta(days=2))
    forged = jwt.encode(claims, "another-key-" + secrets.token_hex(16), algorithm="HS256")
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
    return {
        "no token": None,
        "not a bearer": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not-a-token",
        "expired": f"Bearer {expired}",
        "forged signature": f"Bearer {forged}",
        "alg none": f"Bearer {unsigned}",
        "unknown API token": "Bearer pf_" + secrets.token_urlsafe(24),
    }


def assert_no_leak(response: httpx.Response, victim: Victim, context: object) -> None:
    leaked = [value for value in victim.secrets if value in response.text]
    assert not leaked, (context, response.status_code, leaked)
    for header, value in response.headers.items():
        assert not any(secret in value for secret in victim.secrets), (context, header)


class Requests:
    """Builds each route's request against the victim's ids from the app's OpenAPI document."""

    def __init__(self, document: dict[str, Any], victim: Victim) -> None:
        self.operations = document["paths"]
        self.sampler = Sampler(document, dict(victim.ids))
        self.ids = {**victim.ids, "symbol": "AAPL", "name": "index.html"}

    def build(self, endpoint: Endpoint) -> tuple[str, dict[str, object], object]:
        url = fill(endpoint.path, self.ids)
        schema_path = endpoint.path.replace(":path}", "}")
        operation = self.operations.get(schema_path, {}).get(endpoint.method.lower(), {})
        return url, self.sampler.query(operation), self.sampler.body(operation)

    def targets_victim(self, endpoint: Endpoint) -> bool:
        _, query, body = self.build(endpoint)
        sent = {*query, *(body if isinstance(body, dict) else ())}
        names = set(endpoint.params) | {n for n in sent if n in self.ids or n.endswith("_id")}
        return bool(names - SHARED_PARAMS)


async def _refusals(
    base_url: str, app_endpoints: list[Endpoint], requests: Requests, victim: Victim,
    settings: Settings, attacker: tuple[TestUser, str],
) -> None:  # fmt: skip
    stranger, stranger_api_token = attacker
    bad = bad_credentials(settings, victim.user.id)
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as http:
        for endpoint in app_endpoints:
            if endpoint.method in ("WEBSOCKET", "MOUNT"):
                continue
            # a fresh access token each time: DELETE /me/sessions ends the stranger's earlier ones
            others = {
                "stranger's access token": (
                    f"Bearer {issue_access_token(settings, stranger.id, Role.USER)}"
                ),
                "stranger's API token": f"Bearer {stranger_api_token}",
            }
            url, query, body = requests.build(endpoint)
            for reason, header in bad.items():
                headers = {"Authorization": header} if header else {}
                response = await http.request(
                    endpoint.method, url, params=query, json=body, headers=headers
                )
                context = (endpoint.method, endpoint.path, reason)
                assert response.status_code in REFUSED, (*context, response.text)
                assert_no_leak(response, victim, context)
            for reason, header in others.items():
                response = await http.request(
                    endpoint.method, url, params=query, json=body, headers={"Authorization": header}
                )
                context = (endpoint.method, endpoint.path, reason)
                if endpoint.admin and "access" in reason:
                    assert response.status_code in {403, 404}, (*context, response.text)
                elif endpoint.admin or requests.targets_victim(endpoint):
                    assert response.status_code in REFUSED, (*context, response.text)
                assert_no_leak(response, victim, context)


def _protected(app_endpoints: list[Endpoint]) -> list[Endpoint]:
    unknown = [e for e in app_endpoints if e.method == "MOUNT" and (e.method, e.path) not in PUBLIC]
    assert not unknown, f"mounted applications must be listed in PUBLIC or protected: {unknown}"
    return [e for e in app_endpoints if (e.method, e.path) not in PUBLIC]


async def test_portfolio_routes_refuse_strangers(
    app_server: AppServer, victim: Victim, attacker: tuple[TestUser, str], settings: Settings
) -> None:
    found = endpoints(app_server.app)
    assert Endpoint("GET", "/api/v1/accounts/{account_id}") in found  # the walk sees routers
    assert Endpoint("POST", "/api/v1/assets", admin=True) in found  # and admin dependencies
    protected = _protected(found)
    async with httpx.AsyncClient(base_url=app_server.base_url) as http:
        document = (await http.get("/api/v1/openapi.json")).json()
    requests = Requests(document, victim)
    await _refusals(app_server.base_url, protected, requests, victim, settings, attacker)
    # the victim's own data is intact and still theirs
    account = await victim.user.client.get(f"/api/v1/accounts/{victim.ids['account_id']}")
    assert account.status_code == 200 and account.json()["name"].startswith("Vault ")
    tokens = (await victim.user.client.get("/api/v1/tokens")).json()
    assert [t["id"] for t in tokens if t["revoked_at"] is None] == [victim.ids["token_id"]]


async def test_asset_service_admin_routes_refuse(
    asset_server: Served, victim: Victim, attacker: tuple[TestUser, str], settings: Settings
) -> None:
    found = endpoints(asset_server.app)
    protected = _protected(found)
    assert protected and all(e.admin for e in protected), protected
    async with httpx.AsyncClient(base_url=asset_server.base_url) as http:
        document = (await http.get("/api/v1/market/openapi.json")).json()
    requests = Requests(document, victim)
    await _refusals(asset_server.base_url, protected, requests, victim, settings, attacker)


async def test_websockets_refuse_bad_tokens(
    app_server: AppServer, victim: Victim, attacker: tuple[TestUser, str], settings: Settings
) -> None:
    sockets = [e for e in endpoints(app_server.app) if e.method == "WEBSOCKET"]
    assert Endpoint("WEBSOCKET", "/api/v1/portfolio/stream") in sockets
    for endpoint in sockets:
        for reason, header in bad_credentials(settings, victim.user.id).items():
            token = header.partition(" ")[2] if header else ""
            url = f"{app_server.ws_url}{endpoint.path}?access_token={token}"
            with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
                async with websockets.connect(url, open_timeout=5):
                    pass
            assert refused.value.response.status_code in REFUSED, (endpoint.path, reason)
            body = refused.value.response.body or b""
            assert not any(s.encode() in body for s in victim.secrets), (endpoint.path, reason)
