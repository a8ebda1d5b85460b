"""What every HTTP service of Pulsefolio shares: error rendering and dependency checks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.errors import PulsefolioError, RateLimited, ValidationFailed
from pulsefolio.core.stream import Stream

CHECK_TIMEOUT = 2.0


def install_error_handlers(app: FastAPI) -> None:
    """Render PulsefolioError and request validation as ``{"error", "detail", "fields"?}``."""

    @app.exception_handler(PulsefolioError)
    async def _ours(request: Request, exc: PulsefolioError) -> JSONResponse:
        body: dict[str, object] = {"error": type(exc).__name__, "detail": exc.detail}
        headers = {}
        if isinstance(exc, ValidationFailed) and exc.fields:
            body["fields"] = exc.fields
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return JSONResponse(body, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = {
            ".".join(str(part) for part in error["loc"] if part != "body"): error["msg"]
            for error in exc.errors()
        }
        body = {"error": "ValidationFailed", "detail": "invalid request", "fields": fields}
        return JSONResponse(body, status_code=422)


async def check(probe: Callable[[], Awaitable[object]]) -> str:
    """Run one dependency probe: ``"ok"`` or ``"error: <reason>"``, never raising."""
    try:
        await asyncio.wait_for(probe(), CHECK_TIMEOUT)
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}".strip()
    return "ok"


async def ping_database(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def dependency_health(
    engine: AsyncEngine, redis: aioredis.Redis, stream: Stream
) -> dict[str, str]:
    """The state of a service's database, cache and stream, checked at once, plus a verdict."""

    async def stream_ok() -> None:
        if not await stream.healthy():
            raise ConnectionError("stream not reachable")

    database, cache, stream_state = await asyncio.gather(
        check(lambda: ping_database(engine)), check(redis.ping), check(stream_ok)
    )
    checks = {"database": database, "cache": cache, "stream": stream_state}
    verdict = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return {"status": verdict, **checks}


def serve(name: str, build: Callable[[], FastAPI], port: int) -> int:
    """Run a service's app on ``port`` with uvloop and httptools; exit 2 on bad settings."""
    import logging
    import sys

    import uvicorn

    from pulsefolio.core.errors import ConfigurationError
    from pulsefolio.core.settings import load_settings, require_servers

    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format=f"%(levelname)s {name}: %(message)s")
    try:
        require_servers(settings)
        app = build()
    except ConfigurationError as exc:
        print(f"{name}: {exc.detail}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=settings.host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    return 0
