"""``/api/v1/portfolio/stream``: the caller's portfolio value, pushed as prices move.

Messages (JSON text frames):

* ``{"type": "snapshot", ...}`` once on connect: the whole ``GET /api/v1/portfolio`` answer;
* ``{"type": "portfolio", "base_currency", "total_value", "holdings_value", "cash_value",
  "day_change": {"amount", "percent"}, "as_of", "holdings": [rows that changed],
  "cash": [every balance]}`` (``total_value`` includes cash) after each batch touching the
  portfolio (after a position change or an FX move, every row);
* ``{"type": "ping", "at": <ISO time>}`` every ``HEARTBEAT`` seconds without other traffic.

Authentication as for every route: ``?access_token=`` or ``Authorization: Bearer``.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect

from pulsefolio.portfolio.auth.dependencies import CurrentUser, current_user_ws
from pulsefolio.portfolio.live.service import Live, snapshot

HEARTBEAT = 15.0

router = APIRouter(tags=["portfolio"])  # included under /api/v1 by portfolios.endpoints


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    await websocket.send_text(orjson.dumps(message).decode())


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a close is noticed."""
    with suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


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
        await _send(websocket, snapshot(live.value(book, user.base_currency)))
        while not reader.done():
            getter = asyncio.ensure_future(connection.mailbox.get())
            done, _ = await asyncio.wait(
                {getter, reader}, timeout=HEARTBEAT, return_when=asyncio.FIRST_COMPLETED
            )
            if getter in done:
                await _send(websocket, getter.result())
            else:
                getter.cancel()
                if not reader.done():
                    await _send(websocket, {"type": "ping", "at": datetime.now(UTC).isoformat()})
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        live.hub.leave(connection)
        reader.cancel()
        with suppress(asyncio.CancelledError, WebSocketDisconnect):
            await reader
