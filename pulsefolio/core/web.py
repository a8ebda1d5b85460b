"""What every HTTP service of Pulsefolio shares: error rendering and dependency checks."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import redis.asyncio as aioredis
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException

from pulsefolio.core.errors import PulsefolioError, RateLimited, ValidationFailed
from pulsefolio.core.guards import Guards, refusal_first
from pulsefolio.core.refusals import (
    http_refusal,
    invalid,
    unparsed_body_reason,
    validation_fields,
)
from pulsefolio.core.stream import Stream

CHECK_TIMEOUT = 2.0
_ARGUMENT = re.compile(r"query argument \$\d+: (.*?) \(")


def install_error_handlers(app: FastAPI, guards: Guards | None = None) -> None:
    """Render PulsefolioError and request validation as ``{"error", "detail", "fields"?}``;
    an invalid request to a route behind ``guards`` is first checked by them
    (:mod:`pulsefolio.core.guards`)."""
    guards = guards or {}

    @app.exception_handler(PulsefolioError)
    async def _ours(request: Request, exc: PulsefolioError) -> JSONResponse:
        return refusal(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        if (refused := await refusal_first(request, guards)) is not None:
            return refusal(refused)
        return invalid(validation_fields(request, exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        unparsed = unparsed_body_reason(exc) is not None
        if unparsed and (refused := await refusal_first(request, guards)) is not None:
            return refusal(refused)
        return http_refusal(request, exc)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated or database_unreachable(exc):
            return _unavailable()
        fields = data_error_fields(request, exc)
        if fields is None:
            raise exc
        return invalid(fields, "a value is out of range")

    @app.exception_handler(ConnectionError)
    @app.exception_handler(TimeoutError)
    async def _unreached(request: Request, exc: OSError) -> JSONResponse:
        return _unavailable()


def refusal(exc: PulsefolioError) -> JSONResponse:
    body: dict[str, object] = {"error": type(exc).__name__, "detail": exc.detail}
    headers = {}
    if isinstance(exc, ValidationFailed) and exc.fields:
        body["fields"] = exc.fields
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


# The database cannot be reached now: down, starting or shutting down, failing over (08, 57,
# and 25006 from a standby that still takes writes' connections).
_UNREACHABLE = (
    ConnectionError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.ReadOnlySQLTransactionError,
)


def database_unreachable(exc: BaseException) -> bool:
    """True when ``exc`` or what caused it says the database cannot be reached right now."""
    seen: BaseException | None = exc
    for _ in range(8):  # a chain is a few links long; never follow a cycle
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def _unavailable() -> JSONResponse:
    """503 with Retry-After: the same request may succeed shortly. A write cut off in its commit
    may have landed; retried with its ``Idempotency-Key`` it is not applied twice."""
    body = {"error": "ServiceUnavailable", "detail": "a server the platform needs is unreachable"}
    return JSONResponse(body, status_code=503, headers={"Retry-After": "1"})


def _is_data_error(error: BaseException) -> bool:
    """asyncpg's DataError: its client-side one (a value that cannot be encoded) or the server's
    class 22 (data exception: out of range, too long, invalid text)."""
    return any(
        kind.__name__ == "DataError" and kind.__module__.startswith("asyncpg")
        for kind in type(error).__mro__
    )


def data_error_fields(request: Request, exc: DBAPIError) -> dict[str, str] | None:
    """For a value the database cannot hold (an id past 64 bits, an oversized number), the
    request's fields that carry it; None for any other database error.

    Such a value passes validation (Python integers and decimals are unbounded) and fails only
    when bound to a query, inside the transaction, so nothing has been written.
    """
    cause: BaseException | None = exc.orig
    while cause is not None and not _is_data_error(cause):
        cause = cause.__cause__
    if cause is None:
        return None
    match = _ARGUMENT.search(str(cause))
    value = match.group(1) if match else None
    given = [*request.path_params.items(), *request.query_params.items()]
    named = {name: "out of range" for name, sent in given if value is not None and sent == value}
    return named or {"body": f"out of range: {cause}".split("\n")[0][:200]}


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


# Loggers that write statements' rows, or requests' URLs and headers, at DEBUG: kept at
# WARNING whatever the level, since those carry password hashes and tokens.
DATA_LOGGERS = ("sqlalchemy.engine", "sqlalchemy.pool", "httpx", "httpcore", "uvicorn.access")


def configure_logging(level: str, name: str) -> None:
    """Every service's logging: ``level`` for our own records, never the data loggers'."""
    logging.basicConfig(format=f"%(levelname)s {name}: %(message)s")
    logging.getLogger().setLevel(level)
    for data_logger in DATA_LOGGERS:
        logging.getLogger(data_logger).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def run_server(app: Any, host: str, port: int, log_level: str) -> None:
    """Serve an ASGI app as every service is served: uvicorn with uvloop and httptools."""
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        log_level=log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def serve(name: str, build: Callable[[], FastAPI], port: int) -> int:
    """Run a service's app on ``port`` with uvloop and httptools; exit 2 on bad settings."""
    import sys

    from pulsefolio.core.errors import ConfigurationError
    from pulsefolio.core.settings import load_settings, require_servers

    settings = load_settings()
    configure_logging(settings.log_level, name)
    try:
        require_servers(settings)
        app = build()
    except ConfigurationError as exc:
        print(f"{name}: {exc.detail}", file=sys.stderr)
        return 2
    run_server(app, settings.host, port, settings.log_level)
    return 0
