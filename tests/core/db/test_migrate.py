"""The Alembic migrations: from an empty database to head, repeatable, and equal to the models."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest_asyncio
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.db.migrate import current_revision, head_revision, upgrade
from pulsefolio.core.db.models import Base
from pulsefolio.core.db.urls import with_database

EXPECTED_TABLES = {
    "accounts",
    "alembic_version",
    "allocation_settings",
    "allocation_targets",
    "api_tokens",
    "asset_sources",
    "assets",
    "cash_balances",
    "fx_rates",
    "positions",
    "price_history",
    "refresh_tokens",
    "stream_outbox",
    "transactions",
    "users",
}


@pytest_asyncio.fixture(loop_scope="session")
async def empty_database(servers: Any) -> AsyncIterator[str]:
    """A database with no schema at all (not cloned from the migrated template)."""
    name = f"pf_empty_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(with_database(servers.postgres, "postgres", driver=None))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(servers.postgres, name, driver=None)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(with_database(url, driver=None))
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await conn.close()
    return {row["table_name"] for row in rows}


class TestUpgrade:
    async def test_empty_database_reaches_head(self, empty_database: str) -> None:
        assert await current_revision(empty_database) is None
        assert await _tables(empty_database) == set()

        await upgrade(empty_database)

        assert await current_revision(empty_database) == head_revision()
        assert await _tables(empty_database) == EXPECTED_TABLES

    async def test_second_upgrade_changes_nothing(self, empty_database: str) -> None:
        await upgrade(empty_database)
        conn = await asyncpg.connect(empty_database)
        try:
            await conn.execute(
                "INSERT INTO assets (symbol, name, asset_class, currency) "
                "VALUES ('AAPL', 'Apple', 'stock', 'USD')"
            )
        finally:
            await conn.close()

        await upgrade(empty_database)

        assert await current_revision(empty_database) == head_revision()
        conn = await asyncpg.connect(empty_database)
        try:
            assert await conn.fetchval("SELECT count(*) FROM assets") == 1
            assert await conn.fetchval("SELECT count(*) FROM alembic_version") == 1
        finally:
            await conn.close()

    async def test_concurrent_upgrades_take_turns(self, empty_database: str) -> None:
        await asyncio.gather(*(upgrade(empty_database) for _ in range(3)))

        assert await current_revision(empty_database) == head_revision()

    async def test_migrated_schema_equals_the_models(self, database_url: str) -> None:
        engine = create_engine(database_url)
        try:
            async with engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}),
                        Base.metadata,
                    )
                )
        finally:
            await engine.dispose()

        assert diff == []


class TestCurrentRevision:
    async def test_accepts_sqlalchemy_and_libpq_urls(self, database_url: str) -> None:
        libpq = with_database(database_url, driver=None)

        assert await current_revision(database_url) == head_revision()
        assert await current_revision(libpq) == head_revision()
