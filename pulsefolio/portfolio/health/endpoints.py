"""``GET /api/v1/health``: which instance answered and the state of its dependencies."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pulsefolio.core.web import dependency_health
from pulsefolio.portfolio.resources import Resources

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
async def health(request: Request) -> dict[str, object]:
    resources: Resources = request.state.resources
    checks = await dependency_health(resources.engine, resources.redis, resources.stream)
    return {"service": "portfolio", "instance": resources.instance_id, **checks}
