"""The asset service's health, directly (``/api/v1/health``) and through the gateway."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from pulsefolio.assets.resources import Resources
from pulsefolio.core.web import check, ping_database

router = APIRouter(tags=["health"])


async def _stream_ok(resources: Resources) -> None:
    if not await resources.stream.healthy():
        raise ConnectionError("stream not reachable")


@router.get("/api/v1/health")
@router.get("/api/v1/market/health")
async def health(request: Request) -> dict[str, object]:
    resources: Resources = request.state.resources
    database, cache, stream = await asyncio.gather(
        check(lambda: ping_database(resources.engine)),
        check(resources.redis.ping),
        check(lambda: _stream_ok(resources)),
    )
    checks = {"database": database, "cache": cache, "stream": stream}
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return {"service": "assets", "status": status, **checks}
