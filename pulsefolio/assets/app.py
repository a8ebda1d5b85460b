"""The asset data service's ASGI application (its own small API, behind the gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from pulsefolio.assets.health.endpoints import router as health_router
from pulsefolio.assets.resources import open_resources
from pulsefolio.core.settings import Settings
from pulsefolio.core.web import install_error_handlers


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        async with open_resources(settings) as resources:
            yield {"resources": resources}

    app = FastAPI(
        title="Pulsefolio asset data service",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/market/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    return app
