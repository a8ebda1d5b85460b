"""PostgreSQL URL helpers: one URL in the settings, the right dialect for each client."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def with_database(url: str, database: str | None = None, *, driver: str | None = "asyncpg") -> str:
    """``url`` pointing at ``database`` (unchanged if None), for SQLAlchemy's ``driver``.

    ``driver=None`` gives a plain ``postgresql://`` URL, as asyncpg and libpq tools take it.
    """
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    parsed = parsed.set(drivername=f"postgresql+{driver}" if driver else "postgresql")
    return parsed.render_as_string(hide_password=False)
