"""The portfolio service's ASGI application.

Routers are listed in :data:`ROUTERS`; work that lives as long as the process (stream consumers,
caches) goes in :func:`lifespan` after the resources open, as one more ``enter_async_context``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI

from pulsefolio.core.api_docs import mount_api_docs
from pulsefolio.core.body_limit import BodyLimit
from pulsefolio.core.openapi import describe_answers
from pulsefolio.core.settings import Settings
from pulsefolio.core.web import install_error_handlers
from pulsefolio.portfolio.accounts.endpoints import router as accounts_router
from pulsefolio.portfolio.allocation.endpoints import router as allocation_router
from pulsefolio.portfolio.assets.endpoints import router as assets_router
from pulsefolio.portfolio.auth.changes import identity_changes
from pulsefolio.portfolio.auth.dependencies import GUARDS, current_user, require_admin
from pulsefolio.portfolio.auth.endpoints import router as auth_router
from pulsefolio.portfolio.auth.passwords import Passwords
from pulsefolio.portfolio.benchmode.endpoints import router as benchmode_router
from pulsefolio.portfolio.dashboard.endpoints import router as dashboard_router
from pulsefolio.portfolio.engine.prices import watch_cache
from pulsefolio.portfolio.health.endpoints import router as health_router
from pulsefolio.portfolio.imports.endpoints import router as imports_router
from pulsefolio.portfolio.live import live_service
from pulsefolio.portfolio.performance.endpoints import router as performance_router
from pulsefolio.portfolio.portfolios.endpoints import router as portfolios_router
from pulsefolio.portfolio.portfolios.fast import FastPortfolioReads
from pulsefolio.portfolio.positions.endpoints import router as positions_router
from pulsefolio.portfolio.positions.events import position_relay
from pulsefolio.portfolio.reports.endpoints import router as reports_router
from pulsefolio.portfolio.resources import open_resources
from pulsefolio.portfolio.transactions.endpoints import router as transactions_router
from pulsefolio.portfolio.users.endpoints import router as users_router

ROUTERS: list[APIRouter] = [
    health_router,
    auth_router,
    users_router,
    accounts_router,
    assets_router,
    imports_router,  # before transactions: /transactions/export.csv is not a transaction id
    transactions_router,
    positions_router,
    portfolios_router,
    performance_router,
    reports_router,
    allocation_router,
    benchmode_router,
    dashboard_router,
]


def create_app(
    settings: Settings, instance_id: str, *, password_hasher: PasswordHasher | None = None
) -> FastAPI:
    """The app for one instance. ``password_hasher`` defaults to argon2id's production profile;
    tests pass a cheap one."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, object]]:
        async with AsyncExitStack() as stack:
            resources = await stack.enter_async_context(open_resources(settings, instance_id))
            await stack.enter_async_context(identity_changes(resources))
            await stack.enter_async_context(position_relay(resources.engine, resources.stream))
            live = await stack.enter_async_context(live_service(resources))
            await stack.enter_async_context(
                watch_cache(live.engine.board, resources.engine, resources.redis,
                            resources.cache, live.engine.revalue_all)
            )  # fmt: skip
            yield {"resources": resources, "live": live}

    app = FastAPI(
        title="Pulsefolio portfolio service",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    mount_api_docs(app, "/api/v1/docs")
    app.state.passwords = Passwords(password_hasher)
    install_error_handlers(app, GUARDS)
    app.add_middleware(BodyLimit, max_bytes=settings.request_max_bytes)
    describe_answers(app, signed_in=(current_user,), admin=(require_admin,))
    outermost = app.build_middleware_stack  # the fast path runs before any other middleware
    app.build_middleware_stack = lambda: FastPortfolioReads(outermost())  # type: ignore[method-assign]
    for router in ROUTERS:
        if router is not benchmode_router or settings.bench_mode:
            app.include_router(router)
    return app
