"""Nothing secret reaches the logs, even at DEBUG: passwords, tokens, the signing key, hashes."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import httpx
import pytest
import websockets
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pulsefolio.core.settings import Settings
from pulsefolio.core.web import DATA_LOGGERS, configure_logging
from pulsefolio.portfolio.resources import open_resources

if TYPE_CHECKING:
    from .conftest import AppServer

PASSWORD = "a rather secret passphrase 42"


async def test_login_refresh_and_bearer_requests_log_no_secret(
    start_app: Callable[[], Awaitable[AppServer]],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    levels = {name: logging.getLogger(name).level for name in ("", *DATA_LOGGERS)}
    configure_logging("DEBUG", "portfolio")  # as a service configures itself, at DEBUG
    app_server = await start_app()  # after the levels: the engine decides on SQL logging once
    for name in ("uvicorn", "uvicorn.error"):  # uvicorn.Config set these; serve() asks DEBUG
        caplog.set_level(logging.DEBUG, logger=name)
    try:
        seen = await _exercise(app_server, settings)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    # the test's own WebSocket client logs the URL it opens; the services' records are checked
    records = [r for r in caplog.records if not r.name.startswith("websockets.client")]
    assert records, "nothing was logged: the capture is not working"
    text = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in records)
    leaked = [value for value in seen if value in text]
    assert not leaked, [line for line in text.splitlines() if any(v in line for v in leaked)][:5]
    assert "$argon2" not in text  # nor the stored password hash


async def _exercise(app_server: AppServer, settings: Settings) -> list[str]:
    """Register, log in (wrong, then right), refresh, reuse a spent refresh token, call with an
    access token, an API token and a WebSocket ``?access_token=``; the secrets that went by."""
    seen = [PASSWORD, settings.secret()]
    async with httpx.AsyncClient(base_url=app_server.base_url, timeout=10) as http:
        registered = await http.post(
            "/api/v1/auth/register", json={"email": "logs@example.com", "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        wrong = await http.post(
            "/api/v1/auth/login", json={"email": "logs@example.com", "password": PASSWORD + "x"}
        )
        assert wrong.status_code == 401
        seen.append(PASSWORD + "x")
        login = await http.post(
            "/api/v1/auth/login", json={"email": "logs@example.com", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        tokens = login.json()
        refreshed = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 200, refreshed.text
        access = refreshed.json()["access_token"]
        bearer = {"Authorization": f"Bearer {access}"}
        assert (await http.get("/api/v1/me", headers=bearer)).status_code == 200
        created = await http.post("/api/v1/tokens", json={"name": "cron"}, headers=bearer)
        api_token = created.json()["token"]
        by_api = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"})
        assert by_api.status_code == 200
        reused = await http.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert reused.status_code == 401  # a spent refresh token, itself worth logging
        seen += [tokens["access_token"], tokens["refresh_token"], access, api_token]
        seen.append(refreshed.json()["refresh_token"])
    url = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token={access}"
    async with websockets.connect(url) as socket:
        await socket.recv()
    return seen


async def test_database_errors_carry_no_statement_parameters(settings: Settings) -> None:
    """A failed statement's error (which the error handler logs) names no bound value: those
    are password hashes, token hashes and users' data."""
    async with open_resources(settings, "logging-test") as resources:
        with pytest.raises(DBAPIError) as caught:
            async with resources.engine.connect() as conn:
                await conn.execute(text("SELECT length(:secret) / 0"), {"secret": PASSWORD})
    assert "division by zero" in str(caught.value)
    assert PASSWORD not in str(caught.value)
