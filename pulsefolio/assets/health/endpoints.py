"""The asset service's health, directly (``/api/v1/health``) and through the gateway."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pulsefolio.assets.resources import Resources
from pulsefolio.core.web import dependency_health

router = APIRouter(tags=["health"])


@router.get("/api/v1/health")
@router.get("/api/v1/market/health")
async def health(request: Request) -> dict[str, object]:
    resources: Resources = request.state.resources
    checks = await dependency_health(resources.engine, resources.redis, resources.stream)
    return {"service": "assets", **checks}
