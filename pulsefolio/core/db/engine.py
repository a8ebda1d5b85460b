"""The async engine and session factory every service opens in its lifespan."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from pulsefolio.core.db.urls import with_database

# Sized for a small box: PostgreSQL on 2 cores gains nothing past a handful of busy
# connections, and several service processes share it.
POOL_DEFAULTS: dict[str, Any] = {
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 10.0,
    "pool_recycle": 1800,
    "pool_pre_ping": True,
}


def create_engine(database_url: str, **kw: Any) -> AsyncEngine:
    """An asyncpg engine for any PostgreSQL URL form; ``kw`` overrides the pool defaults.

    Statement parameters (password hashes, token hashes, users' data) stay out of error
    messages and logs.
    """
    options = {"hide_parameters": True, **POOL_DEFAULTS, **kw}
    if options.get("poolclass") is not None:
        for key in ("pool_size", "max_overflow", "pool_timeout"):
            options.pop(key, None)
    return _create_async_engine(with_database(database_url), **options)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)
