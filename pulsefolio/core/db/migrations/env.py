"""Alembic environment: runs migrations over asyncpg, one transaction, one run at a time.

The URL comes from the programmatic config built by :mod:`pulsefolio.core.db.migrate`
(there is no alembic.ini). A transaction-scoped advisory lock serialises concurrent upgrades
(several service instances starting at once): the second waits, then finds nothing to do.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from pulsefolio.core.db.models import Base

MIGRATION_LOCK_KEY = 0x50F0_11_0  # arbitrary, constant: the advisory lock of migrations


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


def _offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _offline()
else:
    asyncio.run(_run_async(context.config.get_main_option("sqlalchemy.url") or ""))
