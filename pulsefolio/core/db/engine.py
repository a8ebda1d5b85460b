"""The async engine and session factory every service opens in its lifespan."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from pulsefolio.core.db.urls import with_database

log = logging.getLogger(__name__)

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
    engine = _create_async_engine(with_database(database_url), **options)
    event.listen(engine.sync_engine, "handle_error", _desynced_is_a_disconnect)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)


# asyncpg's words for a connection whose protocol is out of step with the server: still busy
# with a statement the server cut short. SQLAlchemy does not count them as a disconnect.
_DESYNCED = ("another operation", "is in progress")


def _desynced_is_a_disconnect(context: ExceptionContext) -> None:
    """Let the pool discard a desynchronised connection (see :func:`close_session`)."""
    if all(words in str(context.original_exception) for words in _DESYNCED):
        context.is_disconnect = True


async def close_session(session: AsyncSession) -> None:
    """End ``session`` and give its connection back; never raise for a connection that broke.

    A connection the server dropped mid-request (a primary killed, say) can fail the rollback
    that ending a session sends, its protocol still waiting for the answer to the cut-short
    statement. Counted as a disconnect (:func:`_desynced_is_a_disconnect`), it is invalidated:
    closed and never handed out again, instead of staying checked out for good. The request
    keeps the answer it already has (a 503 for the lost database).
    """
    try:
        await session.close()
    except SQLAlchemyError as exc:
        log.warning("discarded a database connection that could not roll back: %s", exc)
