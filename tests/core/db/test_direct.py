"""``fetch_one``: a SQLAlchemy statement run straight through asyncpg on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest_asyncio
from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.db.direct import fetch_one
from pulsefolio.core.db.engine import create_engine
from pulsefolio.core.db.models import User
from pulsefolio.core.db.urls import with_database

BY_EMAIL = select(User.id, User.email, User.role, User.created_at).where(
    User.email == bindparam("email"), User.created_at < bindparam("before")
)


@pytest_asyncio.fixture(loop_scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO users (email, password_hash, role) VALUES ('a@x.org', 'h', 'admin')")
        )
    yield engine
    await engine.dispose()


async def test_binds_by_name_and_returns_the_row(engine: AsyncEngine) -> None:
    later = datetime(2100, 1, 1, tzinfo=UTC)

    row = await fetch_one(engine, BY_EMAIL, {"before": later, "email": "a@x.org"})

    assert row is not None
    assert (row["email"], row["role"]) == ("a@x.org", "admin")
    assert row["created_at"].tzinfo is not None


async def test_no_row_is_none(engine: AsyncEngine) -> None:
    later = datetime(2100, 1, 1, tzinfo=UTC)
    assert await fetch_one(engine, BY_EMAIL, {"before": later, "email": "b@x.org"}) is None
    earlier = datetime(2000, 1, 1, tzinfo=UTC)
    assert await fetch_one(engine, BY_EMAIL, {"before": earlier, "email": "a@x.org"}) is None


async def test_answers_after_the_server_ended_the_pooled_connections(
    engine: AsyncEngine, database_url: str
) -> None:
    params = {"before": datetime(2100, 1, 1, tzinfo=UTC), "email": "a@x.org"}
    async with engine.connect() as first, engine.connect() as second:
        pids = [await c.scalar(text("SELECT pg_backend_pid()")) for c in (first, second)]
    admin = await asyncpg.connect(with_database(database_url, driver=None))
    try:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()

    for _ in range(3):  # every pooled connection was dead; none may come back
        row = await fetch_one(engine, BY_EMAIL, params)
        assert row is not None and row["email"] == "a@x.org"
