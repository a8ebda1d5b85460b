"""The dashboard's files as served over HTTP: types, security headers, no outside references.

A real uvicorn server runs an app holding only the dashboard router (it needs no database).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from pulsefolio.core.web import install_error_handlers
from pulsefolio.portfolio.dashboard.endpoints import MEDIA_TYPES, STATIC, router
from pulsefolio.runtime.ports import free_port

# The only absolute URL any file may contain: the SVG namespace, an identifier never fetched.
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
REFERENCE = re.compile(
    r"""(?:src|href)\s*=\s*["']([^"']+)["']"""  # HTML attributes
    r"""|url\(\s*["']?([^"')]+)"""  # CSS
    r"""|@import\s+["']([^"']+)"""  # CSS
    r"""|\bfrom\s+["']([^"']+)["']"""  # JS static imports
    r"""|\bimport\(\s*["']([^"']+)["']"""  # JS dynamic imports
)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "dashboard server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


def shipped() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*") if p.is_file())


def references(path: Path) -> list[str]:
    return [next(g for g in m.groups() if g) for m in REFERENCE.finditer(path.read_text())]


class TestIndex:
    def test_root_serves_the_app_under_a_strict_policy(self, base_url: str) -> None:
        response = httpx.get(f"{base_url}/")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert '<script type="module" src="/app/js/main.js">' in response.text
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"

    def test_index_has_no_inline_script_or_style(self) -> None:
        html = (STATIC / "index.html").read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"\son\w+\s*=", html)


class TestFiles:
    @pytest.mark.parametrize(
        ("name", "media_type"),
        [
            ("js/main.js", "text/javascript; charset=utf-8"),
            ("app.css", "text/css; charset=utf-8"),
            ("icon.svg", "image/svg+xml"),
        ],
    )
    def test_each_file_has_its_type(self, base_url: str, name: str, media_type: str) -> None:
        response = httpx.get(f"{base_url}/app/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"] == media_type
        assert response.content == (STATIC / name).read_bytes()

    @pytest.mark.parametrize(
        "name",
        [
            "../endpoints.py",
            "%2e%2e/endpoints.py",
            "js/nope.js",
            "",
            "%00.js",  # a NUL in the path was a ValueError: 500
            "x" * 300 + ".js",  # a name past the file system's limit was an OSError: 500
            ("d" * 200 + "/") * 30 + "x.js",  # a path past the file system's limit
        ],
    )
    def test_nothing_outside_the_shipped_files(self, base_url: str, name: str) -> None:
        response = httpx.get(f"{base_url}/app/{name}")
        assert response.status_code == 404
        assert "router" not in response.text

    def test_every_shipped_file_has_a_served_type(self) -> None:
        assert {p.suffix for p in shipped()} <= set(MEDIA_TYPES)


class TestReferences:
    def test_no_file_references_an_external_url(self) -> None:
        outside = {}
        for path in shipped():
            text = path.read_text().replace(SVG_NAMESPACE, "")
            found = re.findall(r"(?:https?:|wss?:)?//[\w.-]+\.[a-z]{2,}", text)
            found += [r for r in references(path) if not r.startswith(("/", "./", "#"))]
            if found:
                outside[path.name] = found
        assert outside == {}

    def test_every_local_reference_is_served(self, base_url: str) -> None:
        missing = []
        for path in shipped():
            for ref in references(path):
                if ref.startswith("#"):
                    continue
                url = (
                    ref
                    if ref.startswith("/")
                    else "/app/" + str((path.parent / ref).resolve().relative_to(STATIC.resolve()))
                )
                if httpx.get(f"{base_url}{url}").status_code != 200:
                    missing.append(f"{path.name}: {ref}")
        assert missing == []
