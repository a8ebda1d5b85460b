"""The portfolio service's ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pulsefolio.core.settings import Settings
from pulsefolio.core.web import install_error_handlers
from pulsefolio.portfolio.health.endpoints import router as health_router
from pulsefolio.portfolio.resources import open_resources


def create_app(settings: Settings, instance_id: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        async with open_resources(settings, instance_id) as resources:
            yield {"resources": resources}

    app = FastAPI(
        title="Pulsefolio portfolio service",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    return app
