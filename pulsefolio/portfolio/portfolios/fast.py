"""``GET /api/v1/portfolio`` answered below the framework when nothing needs I/O.

Most reads are by a caller whose token was verified before, whose identity is cached and whose
answer is cached or can be made from memory. For those this ASGI middleware answers directly,
skipping routing, dependency injection and the response classes; it costs about what a bare
ASGI app does. Anything else (no or unknown token, a user this instance has not loaded, another
path, a query string) goes to the app unchanged, which authenticates in full and answers or
refuses exactly as documented.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from pulsefolio.portfolio.auth.dependencies import known_caller

PATH = "/api/v1/portfolio"
_AUTHORIZATION = b"authorization"
_JSON = (b"content-type", b"application/json")


class FastPortfolioReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "GET"
            and not scope["query_string"]
        ):
            body = self._answer(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [_JSON, (b"content-length", str(len(body)).encode())],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _answer(scope: Scope) -> bytes | None:
        state: dict[str, Any] | None = scope.get("state")
        if not state or "live" not in state:
            return None
        header = next((v for k, v in scope["headers"] if k == _AUTHORIZATION), None)
        if header is None:
            return None
        user = known_caller(state["resources"], header.decode("latin-1"))
        if user is None:
            return None
        live = state["live"]
        book = live.engine.book(user.id)
        if book is None:
            return None
        live.note_visit(user.id)
        body: bytes = live.answer(book, user.base_currency)
        return body
