"""``close_session``: a session whose connection cannot be rolled back is discarded, quietly."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pulsefolio.core.db.engine import close_session, create_engine


async def _busy_session(engine: AsyncEngine) -> tuple[AsyncSession, int, asyncio.Task[object]]:
    """A session whose connection is still busy with a statement sent behind its back, as
    after a statement the server cut short; and that connection's server process id."""
    session = AsyncSession(engine)
    pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert raw is not None
    stray = asyncio.create_task(raw.fetchval("SELECT pg_sleep(0.5)"))
    await asyncio.sleep(0.05)  # the stray statement is on the wire
    return session, pid, stray


async def test_a_connection_that_cannot_roll_back_is_discarded_not_leaked(
    database_url: str,
) -> None:
    """``AsyncSession.close`` would raise here and keep the connection checked out for good."""
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    try:
        session, busy_pid, stray = await _busy_session(engine)
        await close_session(session)  # no error
        await asyncio.gather(stray, return_exceptions=True)
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        async with AsyncSession(engine) as after:  # the pool's one slot is free again
            pid = (await after.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert pid != busy_pid  # the busy connection was not handed out again
    finally:
        await engine.dispose()


async def test_a_healthy_session_is_rolled_back_and_its_connection_reused(
    database_url: str,
) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_pre_ping=False)
    try:
        session = AsyncSession(engine)
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await session.execute(text("CREATE TEMPORARY TABLE left_open (x int)"))
        await close_session(session)
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        async with AsyncSession(engine) as after:
            assert (await after.execute(text("SELECT pg_backend_pid()"))).scalar_one() == pid
            table = text("SELECT to_regclass('pg_temp.left_open') IS NULL")
            assert (await after.execute(table)).scalar_one()  # rolled back, not committed
    finally:
        await engine.dispose()
