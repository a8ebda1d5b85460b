"""Bring a database to the newest schema with Alembic, from code (no alembic.ini).

Alembic is blocking and its async ``env.py`` runs its own event loop, so :func:`upgrade`
hands the work to a thread with :func:`asyncio.to_thread`.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from pulsefolio.core.db.urls import with_database

MIGRATIONS = Path(__file__).with_name("migrations")

# Alembic's ``context`` and ``op`` are module-level proxies: two runs in one process at once would
# clobber each other, so runs in this process take turns here (other processes: advisory lock).
_ALEMBIC_LOCK = threading.Lock()


def alembic_config(database_url: str) -> Config:
    """An Alembic config for ``database_url`` (any PostgreSQL URL form), for the CLI and tests."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", with_database(database_url).replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(
        alembic_config("postgresql://localhost/x")
    ).get_current_head()
    assert head is not None
    return head


async def upgrade(database_url: str) -> None:
    """Migrate the database at ``database_url`` to the newest revision.

    Idempotent, and safe to call from several processes at once (they take turns on an advisory
    lock). Raises whatever the driver raises when the database cannot be reached.
    """
    config = alembic_config(database_url)

    def run() -> None:
        with _ALEMBIC_LOCK:
            command.upgrade(config, "head")

    await asyncio.to_thread(run)


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    engine = create_async_engine(with_database(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
