"""One row by a prepared query on asyncpg itself, for the hottest lookups.

A SQLAlchemy Core round trip costs about twice the client-side time of the same query sent
through asyncpg directly (result machinery, autocommit handling); for a lookup that a request
may pay before doing anything else, that is most of the request. The statement is still written
in SQLAlchemy, with named bind parameters, and compiled once per statement for the engine's
dialect; asyncpg keeps it prepared on each pooled connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncEngine

_compiled: dict[tuple[int, str], tuple[str, tuple[str, ...]]] = {}


def _sql(engine: AsyncEngine, statement: Select[*tuple[Any, ...]]) -> tuple[str, tuple[str, ...]]:
    """The statement's SQL for asyncpg (``$1``, ``$2`` ...) and its parameters' names in order."""
    key = (id(statement), engine.dialect.name)
    found = _compiled.get(key)
    if found is None:
        compiled = statement.compile(dialect=engine.dialect)
        found = _compiled[key] = (str(compiled), tuple(compiled.positiontup or ()))
    return found


async def fetch_one(
    engine: AsyncEngine, statement: Select[*tuple[Any, ...]], params: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The first row of ``statement`` (a module-level constant: compiled forms are kept by its
    identity) with ``params`` bound by name, read outside any transaction."""
    sql, names = _sql(engine, statement)
    async with engine.connect() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None:
            raise ConnectionError("the pooled connection has no driver connection")
        try:
            record = await driver.fetchrow(sql, *(params[n] for n in names))
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError):
            await conn.invalidate()  # the pool must not hand this connection out again
            raise
    return None if record is None else dict(record.items())
