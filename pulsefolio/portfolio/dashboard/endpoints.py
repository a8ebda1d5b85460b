"""The web dashboard: ``/`` serves the single-page app, ``/app/<file>`` its scripts and styles.

Every file ships inside the package under ``static/``; nothing is fetched from elsewhere, and the
Content-Security-Policy forbids it (no inline script or style, same-origin connections only).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from pulsefolio.core.errors import NotFound

STATIC = Path(__file__).parent / "static"

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False, tags=["dashboard"])


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=HEADERS)


def static_file(name: str) -> Path:
    """The shipped file ``name`` (relative to ``static/``); raises NotFound for anything else,
    including paths that climb out of the folder, file types not in :data:`MEDIA_TYPES`, and
    names the file system cannot even look up (a NUL byte, a name or path too long)."""
    root = STATIC.resolve()
    try:
        path = (root / name).resolve()
        found = path.is_relative_to(root) and path.suffix in MEDIA_TYPES and path.is_file()
    except (ValueError, OSError):
        found = False
    if not found:
        raise NotFound(f"no dashboard file {name[:100]!r}")
    return path


@router.get("/")
async def index() -> FileResponse:
    return _file(STATIC / "index.html")


@router.get("/app/{name:path}")
async def asset(name: str) -> FileResponse:
    return _file(static_file(name))
