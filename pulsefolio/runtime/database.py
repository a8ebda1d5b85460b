"""The database a one-off command (``migrate``, ``seed``) works on.

An external URL is used as given. Otherwise the embedded PostgreSQL of the data directory is
used: the running one if ``up`` runs, else it is started just for the command and stopped after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings
from pulsefolio.runtime import preflight, state
from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.servers import postgres
from pulsefolio.runtime.supervisor import Supervisor


@contextmanager
def database_url(settings: Settings, report: Callable[[str], None] = print) -> Iterator[str]:
    """Yield a ``postgresql://`` URL of the application database for ``settings``."""
    if settings.database_url is not None:
        preflight.check_external_urls(settings)
        yield settings.database_url
        return
    layout = Layout(settings.data_dir)
    running = state.running_up(layout)
    children = state.read_json(layout.children_file) or {}
    pg_layout = postgres.PostgresLayout.under(settings.data_dir)
    if running is not None and state.alive(children.get("postgres")):
        port = int(children["postgres"].get("port") or settings.postgres_port)
        yield postgres.url(settings.host, port, pg_layout)
        return
    if running is not None:
        raise ConfigurationError(
            "pulsefolio up is still starting PostgreSQL; wait for it or stop it with "
            "`pulsefolio down`"
        )
    preflight.check_data_dir(settings)
    supervisor = Supervisor(layout.logs, report=lambda _: None)
    spec = postgres.spec(
        settings.data_dir,
        host=settings.host,
        port=settings.postgres_port,
        system_user=settings.postgres_system_user,
    )
    report(f"starting the embedded PostgreSQL in {settings.data_dir} for this command")
    try:
        supervisor.start(spec)
        url = spec.url or ""
        asyncio.run(postgres.ensure_database(with_database(url, "postgres", driver=None)))
        yield url
    finally:
        supervisor.stop()
