"""``/api/v1/portfolio/stream``: the caller's portfolio value, pushed as prices move.

Messages (JSON text frames):

* ``{"type": "snapshot", "heartbeat_seconds", ...}`` once on connect: the whole
  ``GET /api/v1/portfolio`` answer, and how often a quiet stream is pinged
  (``PULSEFOLIO_LIVE_HEARTBEAT``), from which a client tells a dead stream from a quiet one;
* ``{"type": "portfolio", "base_currency", "total_value", "holdings_value", "cash_value",
  "day_change": {"amount", "percent"}, "as_of", "holdings": [rows that changed],
  "cash": [every balance]}`` (``total_value`` includes cash) after each batch touching the
  portfolio (after a position change or an FX move, every row);
* ``{"type": "ping", "at": <ISO time>}`` every ``heartbeat_seconds`` without other traffic.

Authentication as for every route: ``?access_token=`` or ``Authorization: Bearer``. The token is
checked again every :data:`RECHECK` seconds, whatever the traffic, through the same
:func:`~pulsefolio.portfolio.auth.dependencies.authenticate` (and its few seconds of identity
cache): once it has expired or been revoked, or its user deleted, the stream closes with code
1008. A database that cannot be reached at a re-check does not close it; the next one decides.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect, status

from pulsefolio.core.errors import Unauthorized
from pulsefolio.core.web import database_unreachable
from pulsefolio.portfolio.auth.cache import TTL_SECONDS
from pulsefolio.portfolio.auth.dependencies import (
    CurrentUser,
    authenticate,
    current_user_ws,
    websocket_token,
)
from pulsefolio.portfolio.live.hub import Connection
from pulsefolio.portfolio.live.service import Live, snapshot

log = logging.getLogger(__name__)

RECHECK = TTL_SECONDS

router = APIRouter(tags=["portfolio"])  # included under /api/v1 by portfolios.endpoints


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    await websocket.send_text(orjson.dumps(message).decode())


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a close is noticed."""
    with suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


async def _still_valid(websocket: WebSocket, token: str, user: CurrentUser) -> bool:
    """Whether ``token`` still authenticates ``user``; True when that cannot be told now."""
    try:
        return (await authenticate(websocket.state.resources, token)).id == user.id
    except Unauthorized:
        return False
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        log.warning("could not re-check a live stream's token: %s", exc)
        return True


class _Clock:
    """When the next heartbeat and the next re-check of the token are due."""

    def __init__(self, heartbeat: float) -> None:
        now = time.monotonic()
        self.heartbeat = heartbeat
        self.ping_at, self.check_at = now + heartbeat, now + RECHECK

    def wait(self) -> float:
        return max(0.0, min(self.ping_at, self.check_at) - time.monotonic())

    def sent(self) -> None:
        self.ping_at = time.monotonic() + self.heartbeat

    def ping_due(self) -> bool:
        return time.monotonic() >= self.ping_at

    def check_due(self) -> bool:
        if time.monotonic() < self.check_at:
            return False
        self.check_at = time.monotonic() + RECHECK
        return True


async def _serve(
    websocket: WebSocket, connection: Connection, reader: asyncio.Task[None], user: CurrentUser
) -> None:
    """Forward the mailbox and heartbeats until the client leaves or the token stops being
    valid (then close with 1008)."""
    token = websocket_token(websocket)  # the handshake accepted it
    clock = _Clock(websocket.state.resources.settings.live_heartbeat)
    while not reader.done():
        getter = asyncio.ensure_future(connection.mailbox.get())
        done, _ = await asyncio.wait(
            {getter, reader}, timeout=clock.wait(), return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            await _send(websocket, getter.result())
            clock.sent()
        else:
            getter.cancel()
        if clock.check_due() and not await _still_valid(websocket, token, user):
            reason = "token expired or revoked"
            await websocket.close(status.WS_1008_POLICY_VIOLATION, reason)
            return
        if clock.ping_due() and not reader.done():
            await _send(websocket, {"type": "ping", "at": datetime.now(UTC).isoformat()})
            clock.sent()


@router.websocket("/portfolio/stream")
async def portfolio_stream(
    websocket: WebSocket, user: Annotated[CurrentUser, Depends(current_user_ws)]
) -> None:
    live: Live = websocket.state.live
    await websocket.accept()
    connection = live.hub.join(user.id)
    reader = asyncio.create_task(_drain(websocket))
    try:
        book = await live.book(user.id)
        first = snapshot(live.value(book, user.base_currency))
        heartbeat = live.resources.settings.live_heartbeat
        await _send(websocket, {**first, "heartbeat_seconds": heartbeat})
        await _serve(websocket, connection, reader, user)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        live.hub.leave(connection)
        reader.cancel()
        with suppress(asyncio.CancelledError, WebSocketDisconnect):
            await reader
