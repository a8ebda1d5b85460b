"""A ceiling on request bodies, applied before a route reads one.

Without it a route parses whatever arrives: a body of a gigabyte is read into memory and parsed
as JSON before any check of the route's own (such as ``import_max_bytes``) could refuse it. A
declared ``Content-Length`` over the ceiling is refused at once, unread; a body sent in chunks is
counted as it arrives and refused as soon as it passes the ceiling. Either way the answer is a
413 in the usual error shape and nothing is written.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_LENGTH = b"content-length"


def too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes:,} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((v for k, v in scope["headers"] if k == CONTENT_LENGTH), None)
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, too_large(self.max_bytes))
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # raised inside the route's read: the app's handlers render it
                    raise HTTPException(413, too_large(self.max_bytes))
            return message

        await self.app(scope, counted, send)


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"error": "PayloadTooLarge", "detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
