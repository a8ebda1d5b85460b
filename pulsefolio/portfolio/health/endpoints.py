"""``GET /api/v1/health``: which instance answered and the state of its dependencies."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from pulsefolio.core.web import check, ping_database
from pulsefolio.portfolio.resources import Resources

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
async def health(request: Request) -> dict[str, object]:
    resources: Resources = request.state.resources
    database, cache, stream = await asyncio.gather(
        check(lambda: ping_database(resources.engine)),
        check(resources.redis.ping),
        check(_stream_probe(resources)),
    )
    checks = {"database": database, "cache": cache, "stream": stream}
    status = "ok" if all(value == "ok" for value in checks.values()) else "degraded"
    return {"service": "portfolio", "instance": resources.instance_id, "status": status, **checks}


def _stream_probe(resources: Resources):  # type: ignore[no-untyped-def]
    async def probe() -> None:
        if not await resources.stream.healthy():
            raise ConnectionError("stream not reachable")

    return probe
