"""A stand-in provider: a real HTTP server on a free port serving recorded bodies.

Tests script its answers per path (status, body, headers, delay); the adapter under test talks
to it over a real socket through a real ``httpx.AsyncClient``, so timeouts and retries are real.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
import pytest_asyncio

from pulsefolio.assets.sources.http import HttpPolicy

RECORDED = Path(__file__).parent / "recorded"

# Short enough to keep the suite fast, long enough for a loaded machine to answer in time.
FAST = HttpPolicy(timeout=0.5, attempts=3, backoff=0.01, max_backoff=0.02)


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class ProviderServer:
    """Serves scripted replies per path: in order, the last one repeating."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.routes[path] = list(replies)

    def reset(self) -> None:
        with self.lock:
            self.routes.clear()
            self.seen.clear()

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.seen if seen.path == path)

    def _next(self, path: str) -> Reply:
        with self.lock:
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, b'{"detail":"no route in test"}')
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)._replace(path=unquote(urlsplit(self.path).path))
                with server.lock:
                    server.seen.append(Seen(parts.path, parse_qs(parts.query), dict(self.headers)))
                reply = server._next(parts.path)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(scope="session")
def _provider_server() -> Iterator[ProviderServer]:
    server = ProviderServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def provider(_provider_server: ProviderServer) -> ProviderServer:
    _provider_server.reset()
    return _provider_server


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One client for the run, as the asset service keeps one (building one loads TLS roots)."""
    async with httpx.AsyncClient() as http:
        yield http
