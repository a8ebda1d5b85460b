"""A user's whole journey through the gateway, on each stream backend.

A new user records purchases in two accounts in different currencies, an admin sets a price
through the asset service, and the new value reaches the user's live WebSocket through Envoy,
valued by hand from the rates the portfolio reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from .stack import platform_env, running_up, wait_ready

pytestmark = pytest.mark.stack

NEW_PRICE = Decimal("333.25")


def _login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _asset_id(client: httpx.Client, auth: dict[str, str], symbol: str) -> int:
    found = client.get("/api/v1/assets", params={"q": symbol}, headers=auth).json()
    items = found["items"] if isinstance(found, dict) else found
    return next(item["id"] for item in items if item["symbol"] == symbol)


def _buy(client: httpx.Client, auth: dict[str, str], account: int, asset: int, **fields: Any):  # type: ignore[no-untyped-def]
    body = {"type": "BUY", "asset_id": asset, "fee": "0", **fields}
    body["executed_at"] = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    response = client.post(f"/api/v1/accounts/{account}/transactions", json=body, headers=auth)
    assert response.status_code == 201, response.text


def _account(client: httpx.Client, auth: dict[str, str], name: str, currency: str) -> int:
    response = client.post(
        "/api/v1/accounts", json={"name": name, "currency": currency}, headers=auth
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _live_values(
    url: str, token: str, trigger: Any, settled: Any
) -> tuple[dict[str, Any], str]:
    """The first update carrying NEW_PRICE, and a later pushed total equal to ``settled()``.

    Prices and FX rates arrive in separate batches, so the first update may be superseded
    before the values settle; the live client must end on the same total the API answers.
    """
    async with websockets.connect(f"{url}?access_token={token}", open_timeout=10) as socket:
        snapshot = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert snapshot["type"] == "snapshot"
        held = {h["symbol"]: h.get("price") for h in snapshot.get("holdings", [])}
        assert held.get("JNJ") != str(NEW_PRICE)  # the new price must come over the stream
        await asyncio.to_thread(trigger)
        async with asyncio.timeout(20):
            while True:
                first = json.loads(await socket.recv())
                prices = {h["symbol"]: h.get("price") for h in first.get("holdings", [])}
                if first["type"] == "portfolio" and prices.get("JNJ") == str(NEW_PRICE):
                    break
        await asyncio.sleep(2)  # let the cycle's remaining batches arrive
        total = await asyncio.to_thread(settled)
        latest = first["total_value"]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                while latest != total:
                    message = json.loads(await socket.recv())
                    if message["type"] == "portfolio":
                        latest = message["total_value"]
        return first, latest


@pytest.mark.parametrize("stream", ["nats", "kafka"])
def test_price_set_by_admin_reaches_live_client_through_gateway(
    stream: str, tmp_path: Path, reachable_tmp_path: Path
) -> None:
    data_dir = reachable_tmp_path / "data"
    env = platform_env(
        data_dir,
        "KAFKA_PORT",
        PULSEFOLIO_REFRESH_INTERVAL="3600",
        PULSEFOLIO_SOURCE_TIMEOUT="3",  # the demo's internet providers cannot answer here
    )
    log = tmp_path / "up.log"
    with running_up(env, log, "--stream", stream) as up:
        ready = wait_ready(data_dir, up, log)
        client = httpx.Client(base_url=ready["gateway_url"], timeout=15)
        email, password = "journey@example.org", "a long enough password"
        registered = client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": password, "base_currency": "EUR"},
        )
        assert registered.status_code == 201, registered.text
        user = _login(client, email, password)
        usd = _account(client, user, "US broker", "USD")
        gbp = _account(client, user, "UK ISA", "GBP")
        _buy(client, user, usd, _asset_id(client, user, "JNJ"), quantity="10", price="150")
        _buy(client, user, gbp, _asset_id(client, user, "TSCO.L"), quantity="100", price="3.1")

        admin = _login(client, "admin@pulsefolio.dev", ready["demo_password"])
        sources = client.put(
            "/api/v1/market/assets/JNJ/sources",
            json={"sources": [{"source": "manual", "provider_symbol": "JNJ"}]},
            headers=admin,
        )
        assert sources.status_code == 200, sources.text

        def set_price_and_refresh() -> None:
            """Sent once the live client holds its snapshot: a manual price is published at
            once, so set earlier it could already be in the snapshot and no update follow."""
            manual = client.put(
                "/api/v1/market/manual-prices",
                json={"prices": [{"symbol": "JNJ", "price": str(NEW_PRICE), "currency": "USD"}]},
                headers=admin,
            )
            assert manual.status_code == 200, manual.text
            answer = client.post("/api/v1/market/refresh", headers=admin)
            assert answer.status_code == 202, answer.text

        ws_url = ready["gateway_url"].replace("http://", "ws://") + "/api/v1/portfolio/stream"
        token = user["Authorization"].removeprefix("Bearer ")
        answers: list[dict[str, Any]] = []

        def settled() -> str:
            answers.append(client.get("/api/v1/portfolio", headers=user).json())
            return str(answers[-1]["total_value"])

        first, latest = asyncio.run(_live_values(ws_url, token, set_price_and_refresh, settled))
        assert first["type"] == "portfolio"

        portfolio = answers[-1]
        rates = {rate["from"]: Decimal(rate["rate"]) for rate in portfolio["fx"]}
        prices = {h["symbol"]: Decimal(h["price"]) for h in portfolio["holdings"]}
        assert prices["JNJ"] == NEW_PRICE
        # 10 JNJ at the new USD price, plus 100 TSCO.L at its GBP price, both in euros
        expected = 10 * NEW_PRICE * rates["USD"] + 100 * prices["TSCO.L"] * rates["GBP"]
        assert Decimal(portfolio["total_value"]) == expected.quantize(Decimal("0.01"))
        assert latest == portfolio["total_value"]
