"""Live updates through real servers: stream → engine → WebSocket, and across instances."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
import websockets
from engine.fixtures import (  # tests/portfolio/engine (rootdir-relative test package)
    CACHED_QUOTES,
    CACHED_RATES,
    NOW,
    announce,
    quote,
    seed,
    set_position,
    wait_for,
)
from sqlalchemy import text

from pulsefolio.core.events import PositionChanged
from pulsefolio.core.stream import Outgoing, Topic
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.portfolio.auth.cache import TTL_SECONDS
from pulsefolio.portfolio.live.endpoints import RECHECK


async def next_of(socket, kind: str, within: float = 5.0) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """The next message of type ``kind`` (pings are skipped)."""
    async with asyncio.timeout(within):
        while True:
            message = orjson.loads(await socket.recv())
            if message["type"] == kind:
                return message  # type: ignore[no-any-return]


class TestWebSocket:
    async def test_published_price_reaches_the_client(  # type: ignore[no-untyped-def]
        self, app_server, make_user, db, cache, stream, settings
    ) -> None:
        eve = await make_user(base_currency="EUR")
        await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        url = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token={eve.access_token}"
        async with websockets.connect(url) as socket:
            first = await next_of(socket, "snapshot")
            assert first["total_value"] == "6800.00"
            assert len(first["holdings"]) == 3
            assert first["heartbeat_seconds"] == settings.live_heartbeat == 15.0
            await announce(stream, [quote("AAPL", "85", "78", "USD", NOW + timedelta(seconds=5))])
            pushed = await next_of(socket, "portfolio")
        # AAPL 15 × 85 = 1275 USD × 0.8 = 1020 EUR: 6800 - 960 + 1020 = 6860; day change
        # 15 × 7 × 0.8 = 84, so 84 - 48 + 40 = 76.
        assert pushed["total_value"] == "6860.00"
        assert pushed["day_change"]["amount"] == "76.00"
        assert [(r["symbol"], r["value_base"]) for r in pushed["holdings"]] == [("AAPL", "1020.00")]
        assert pushed["as_of"] == (NOW + timedelta(seconds=5)).isoformat()

    async def test_a_bad_token_is_refused(self, app_server) -> None:  # type: ignore[no-untyped-def]
        url = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token=nonsense"
        with pytest.raises(websockets.exceptions.WebSocketException):
            async with websockets.connect(url) as socket:
                await socket.recv()


async def closed_with(socket, within: float) -> tuple[int | None, float]:  # type: ignore[no-untyped-def]
    """The close code the server sent, and how many seconds it took to come."""
    began = time.monotonic()
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        async with asyncio.timeout(within):
            while True:
                await socket.recv()
    received = closed.value.rcvd
    return (None if received is None else received.code), time.monotonic() - began


class TestRecheck:
    """The stream re-checks its token every ``RECHECK`` seconds: it used to be checked only at
    the handshake, so a revoked or expired token kept receiving portfolio values."""

    async def test_a_revoked_api_token_closes_its_stream_with_1008(  # type: ignore[no-untyped-def]
        self, app_server, make_user
    ) -> None:
        eve = await make_user()
        created = await eve.client.post("/api/v1/tokens", json={"name": "script"})
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        stream = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token="
        async with (
            websockets.connect(stream + token) as revoked,
            websockets.connect(stream + eve.access_token) as kept,
        ):
            await next_of(revoked, "snapshot")
            await next_of(kept, "snapshot")
            gone = await eve.client.delete(f"/api/v1/tokens/{created.json()['id']}")
            assert gone.status_code == 204
            code, seconds = await closed_with(revoked, RECHECK + 3)
            assert code == 1008
            assert seconds <= RECHECK + 1  # revoked through this instance: no cache to expire
            await asyncio.wait_for(await kept.ping(), 2)  # the other token's stream stays open

    async def test_an_expired_access_token_closes_its_stream_with_1008(  # type: ignore[no-untyped-def]
        self, app_server, make_user, settings
    ) -> None:
        eve = await make_user()
        lifetime = timedelta(minutes=settings.access_token_minutes)
        issued = datetime.now(UTC) - lifetime + timedelta(seconds=2)  # expires in 2 seconds
        token = issue_access_token(settings, eve.id, "user", now=issued)
        url = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token={token}"
        async with websockets.connect(url) as socket:
            await next_of(socket, "snapshot")
            code, _ = await closed_with(socket, 2 + RECHECK + 3)
        assert code == 1008

    async def test_a_deleted_user_closes_their_stream_with_1008(  # type: ignore[no-untyped-def]
        self, app_server, make_user, db
    ) -> None:
        """Deleted straight in the database: refused once the identity cache has let go."""
        eve = await make_user()
        url = f"{app_server.ws_url}/api/v1/portfolio/stream?access_token={eve.access_token}"
        async with websockets.connect(url) as socket:
            await next_of(socket, "snapshot")
            async with db.begin() as conn:
                await conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": eve.id})
            code, seconds = await closed_with(socket, TTL_SECONDS + RECHECK + 3)
        assert code == 1008
        assert seconds <= TTL_SECONDS + RECHECK + 1


class TestInstances:
    async def test_position_change_reaches_another_instance_within_a_second(  # type: ignore[no-untyped-def]
        self, start_app, make_user, db, cache, stream
    ) -> None:
        eve = await make_user(base_currency="EUR")
        other = await start_app("test-1")
        book = await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        headers = {"Authorization": f"Bearer {eve.access_token}"}
        async with httpx.AsyncClient(base_url=other.base_url, headers=headers) as on_other:
            await wait_for(on_other, "/api/v1/portfolio", "6800.00")
            await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
            async with db.begin() as conn:  # sold 5 AAPL at average cost: 10 left, cost 750
                await set_position(conn, book.us_account, book.assets["AAPL"], "10", "750")
            started = time.monotonic()
            change = PositionChanged(eve.id, book.us_account, "sale-1")
            await stream.publish(
                [Outgoing(Topic.POSITIONS, str(eve.id), change.encode(), "sale-1")]
            )
            # AAPL 10 × 80 × 0.8 = 640: 640 + 4800 + 1040 = 6480, on both instances.
            await wait_for(on_other, "/api/v1/portfolio", "6480.00", within=1.0)
            assert time.monotonic() - started < 1.0
            await wait_for(eve.client, "/api/v1/portfolio", "6480.00", within=1.0)

    async def test_a_restarted_instance_resumes_its_consumer(  # type: ignore[no-untyped-def]
        self, start_app, make_user, db, cache, stream
    ) -> None:
        eve = await make_user(base_currency="EUR")
        second = await start_app("resumer")
        await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        headers = {"Authorization": f"Bearer {eve.access_token}"}
        async with httpx.AsyncClient(base_url=second.base_url, headers=headers) as client:
            await wait_for(client, "/api/v1/portfolio", "6800.00")
        await second.stop()
        # Published while it is down, and never written to the cache: only the durable
        # consumer can deliver it. AAPL 15 × 90 × 0.8 = 1080: 6800 - 960 + 1080 = 6920.
        await announce(stream, [quote("AAPL", "90", "78", "USD", NOW + timedelta(seconds=7))])
        again = await start_app("resumer")
        async with httpx.AsyncClient(base_url=again.base_url, headers=headers) as client:
            await wait_for(client, "/api/v1/portfolio", "6920.00")
