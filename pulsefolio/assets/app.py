"""The asset data service's ASGI application (its own small API, behind the gateway).

The lifespan opens the connections, builds the sources, starts the stream outbox's relay and
the cache watch (which rebuilds the price cache at start and whenever Redis comes back), and
starts the refresh loop, which contests the fetching lease; ``refresh=False`` leaves the loop
stopped (tests drive cycles through ``POST /api/v1/market/refresh``), and ``sources`` replaces
the built-in catalogue.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from pulsefolio.assets.board import StatusBoard
from pulsefolio.assets.catalog import build_sources
from pulsefolio.assets.health.endpoints import router as health_router
from pulsefolio.assets.lease import AdvisoryLease
from pulsefolio.assets.market.auth import require_admin
from pulsefolio.assets.market.endpoints import metrics_router
from pulsefolio.assets.market.endpoints import router as market_router
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.assets.resources import Resources, open_resources
from pulsefolio.assets.sources.base import Source
from pulsefolio.core.body_limit import BodyLimit
from pulsefolio.core.cache import CacheWatch, rebuild
from pulsefolio.core.openapi import describe_answers
from pulsefolio.core.settings import Settings, require_servers
from pulsefolio.core.web import install_error_handlers

USER_AGENT = "pulsefolio-assets/1"
log = logging.getLogger(__name__)


async def _rebuild(resources: Resources) -> None:
    """At start and whenever Redis returns: refill the cache from the price history."""
    done = await rebuild(resources.engine, resources.cache)
    log.info("price cache rebuilt: %d prices (%d changed), %d rates (%d changed)",
             done.prices, done.changed_prices, done.fx, done.changed_fx)  # fmt: skip


def create_app(
    settings: Settings, *, refresh: bool = True, sources: Mapping[str, Source] | None = None
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        database_url, _, _ = require_servers(settings)
        async with (
            open_resources(settings) as resources,
            httpx.AsyncClient(headers={"User-Agent": USER_AGENT}) as client,
        ):
            catalogue = (
                dict(sources)
                if sources is not None
                else await build_sources(settings, client, resources.engine)
            )
            loop = RefreshLoop(
                settings,
                catalogue,
                resources.engine,
                resources.cache,
                resources.stream,
                board=StatusBoard(resources.redis, settings.namespace),
                lease=AdvisoryLease(database_url, settings.namespace),
            )
            watch = CacheWatch(resources.redis, on_up=lambda: _rebuild(resources))
            if refresh:
                loop.start()
            try:
                async with loop.writer.relay.running(), watch.running():
                    yield {"resources": resources, "refresh": loop, "cache_watch": watch}
            finally:
                await loop.stop()
                if sources is None:
                    for source in catalogue.values():
                        with contextlib.suppress(Exception):
                            await source.aclose()

    app = FastAPI(
        title="Pulsefolio asset data service",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/market/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app, {require_admin: require_admin})
    app.add_middleware(BodyLimit, max_bytes=settings.request_max_bytes)
    describe_answers(app, admin=(require_admin,))
    app.include_router(health_router)
    app.include_router(market_router)
    app.include_router(metrics_router)
    return app
