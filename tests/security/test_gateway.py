"""Through a real Envoy in front of the real services: login and sign-up are rate-limited at the
gateway with a JSON 429, and every answer carries the security headers (HSTS under TLS)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest_asyncio

from pulsefolio.core.settings import Settings
from pulsefolio.gateway.config import CONTENT_SECURITY_POLICY, HSTS, RATE_LIMITED_BODY
from pulsefolio.runtime.ports import free_port
from pulsefolio.runtime.servers import envoy as envoy_server
from pulsefolio.runtime.supervisor import Supervisor

if TYPE_CHECKING:
    from .conftest import AppServer, Served

AUTH_PER_MINUTE = 3
Gateway = Callable[..., Awaitable[str]]


@pytest_asyncio.fixture
async def gateway(
    app_server: AppServer, asset_server: Served, tmp_path: Path
) -> AsyncIterator[Gateway]:
    """Factory: ``await gateway(**settings)`` starts an Envoy in front of both services and
    returns its base URL."""
    supervisors: list[Supervisor] = []

    async def start(**overrides: Any) -> str:
        directory = tmp_path / f"gateway-{len(supervisors)}"
        settings = Settings(
            data_dir=directory,
            gateway_port=free_port(),
            gateway_admin_port=free_port(),
            portfolio_port=app_server.port,
            portfolio_instances=1,
            asset_port=int(asset_server.base_url.rsplit(":", 1)[1]),
            gateway_auth_per_minute=AUTH_PER_MINUTE,
            **overrides,
        )
        supervisor = Supervisor(directory / "logs", report=lambda _: None)
        supervisors.append(supervisor)
        # the services answer Envoy's health checks on this loop: wait for it off the loop
        await asyncio.to_thread(supervisor.start, envoy_server.spec(settings))
        scheme = "https" if settings.gateway_tls_cert else "http"
        return f"{scheme}://127.0.0.1:{settings.gateway_port}"

    yield start
    for supervisor in supervisors:
        await asyncio.to_thread(supervisor.stop)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def _assert_common_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_login_and_signup_are_rate_limited_with_json(gateway: Gateway) -> None:
    base = await gateway()
    login = {"email": "nobody@example.com", "password": "wrong password 1"}
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for path, body in (
            ("/api/v1/auth/login", login),
            ("/api/v1/auth/register", {"email": "x", "password": "short"}),
        ):
            passed = [await http.post(path, json=body) for _ in range(AUTH_PER_MINUTE)]
            assert {r.status_code for r in passed} <= {401, 422}, [r.text for r in passed]
            limited = await http.post(path, json=body)
            assert limited.status_code == 429, limited.text
            assert limited.headers["content-type"].startswith("application/json")
            assert limited.json() == RATE_LIMITED_BODY
            assert limited.headers["retry-after"] == "60"
            assert limited.headers["cache-control"] == "no-store"
            _assert_common_headers(limited)
        # the rest of the API is not limited
        for _ in range(AUTH_PER_MINUTE * 3):
            assert (await http.get("/api/v1/health")).status_code == 200


async def test_security_headers_on_api_and_dashboard(gateway: Gateway) -> None:
    base = await gateway()
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        for path in ("/api/v1/health", "/api/v1/me", "/api/v1/market/sources"):
            response = await http.get(path)
            assert response.status_code < 500, (path, response.text)
            _assert_common_headers(response)
            assert response.headers["cache-control"] == "no-store", path
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            assert "strict-transport-security" not in response.headers  # plain HTTP
        page = await http.get("/")
        assert page.status_code < 500
        _assert_common_headers(page)
        assert page.headers.get("cache-control") != "no-store"  # static files may be cached


async def test_tls_adds_hsts(gateway: Gateway, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    base = await gateway(gateway_tls_cert=cert, gateway_tls_key=key)
    async with httpx.AsyncClient(base_url=base, timeout=10, verify=False) as https:  # noqa: S501 (self-signed)
        response = await https.get("/api/v1/health")
    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == HSTS
    _assert_common_headers(response)
