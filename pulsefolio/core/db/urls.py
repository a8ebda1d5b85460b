"""PostgreSQL URL helpers: one URL in the settings, the right dialect for each client.

A URL may name several servers, as SQLAlchemy spells it: ``postgresql://u:p@/db?host=h1:5432&
host=h2:5433&target_session_attrs=read-write``. The plain (``driver=None``) form, for asyncpg and
the libpq tools, then lists them in the authority instead (``u:p@h1:5432,h2:5433/db``): each of
those clients tries the servers in order and keeps the first that has the asked-for role, which
is how every service follows the primary after a failover. libpq's own spelling of several
servers (``postgresql://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write``) is accepted
everywhere and read as the first form.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from sqlalchemy.engine import URL, make_url

_DEFAULT_PORT = 5432


def hosts_in_query(url: str) -> str:
    """``url`` with a libpq-style host list (``h1:5432,h2:5433`` in the authority) moved into
    SQLAlchemy's ``?host=h1:5432&host=h2:5433``; any other URL unchanged."""
    scheme, sep, rest = url.partition("://")
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    userinfo, at, listed = authority.rpartition("@")
    if not sep or "," not in listed:
        return url
    addresses = [h if ":" in h else f"{h}:{_DEFAULT_PORT}" for h in listed.split(",") if h]
    path, _, query = tail.partition("?")
    params = urlencode([("host", address) for address in addresses])
    return f"{scheme}://{userinfo}{at}/{path.lstrip('/')}?{params}{'&' + query if query else ''}"


def hosts(url: str) -> list[str]:
    """The ``host:port`` entries of a URL that names several servers ([] for a single one)."""
    value = make_url(hosts_in_query(url)).query.get("host", ())
    listed = [value] if isinstance(value, str) else list(value)
    return [entry for entry in listed if ":" in entry]


def multi_host(
    user: str, password: str, addresses: list[str], database: str, session_attrs: str
) -> str:
    """A SQLAlchemy-form URL naming several ``host:port`` servers, tried in that order."""
    query = urlencode(
        [("host", address) for address in addresses] + [("target_session_attrs", session_attrs)]
    )
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@/{database}?{query}"


def with_database(url: str, database: str | None = None, *, driver: str | None = "asyncpg") -> str:
    """``url`` pointing at ``database`` (unchanged if None), for SQLAlchemy's ``driver``.

    ``driver=None`` gives a plain ``postgresql://`` URL, as asyncpg and libpq tools take it.
    """
    url = hosts_in_query(url)
    parsed = make_url(url)
    if database is not None:
        parsed = parsed.set(database=database)
    parsed = parsed.set(drivername=f"postgresql+{driver}" if driver else "postgresql")
    if driver is None and hosts(url):
        return _plain_multi_host(parsed)
    return parsed.render_as_string(hide_password=False)


def _plain_multi_host(parsed: URL) -> str:
    addresses = ",".join(hosts(parsed.render_as_string(hide_password=False)))
    query = {key: value for key, value in parsed.query.items() if key != "host"}
    credentials = quote(parsed.username or "", safe="")
    if parsed.password is not None:
        credentials += ":" + quote(str(parsed.password), safe="")
    suffix = f"?{urlencode(query, doseq=True)}" if query else ""
    return f"postgresql://{credentials}@{addresses}/{parsed.database or ''}{suffix}"
