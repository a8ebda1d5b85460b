"""Schema and demo data: what ``up``, ``migrate`` and ``seed`` do to a database."""

from __future__ import annotations

import asyncpg

from pulsefolio.core.db.urls import with_database


async def migrate(database_url: str) -> None:
    """Bring the database at ``database_url`` (any PostgreSQL URL form) to the newest schema."""
    from pulsefolio.core.db.migrate import upgrade

    await upgrade(with_database(database_url))


async def is_empty(database_url: str) -> bool:
    """True if the database has no users yet (or no users table)."""
    conn = await asyncpg.connect(with_database(database_url, driver=None))
    try:
        return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM users)")
    except asyncpg.UndefinedTableError:
        return True
    finally:
        await conn.close()


async def seed(
    database_url: str, *, users: int, seed: int, demo_email: str, demo_password: str
) -> object:
    """Seed demo data (idempotent); returns whatever the demo generator reports."""
    from pulsefolio.portfolio.demo import seed_demo

    return await seed_demo(
        with_database(database_url),
        users=users,
        seed=seed,
        demo_email=demo_email,
        demo_password=demo_password,
    )
