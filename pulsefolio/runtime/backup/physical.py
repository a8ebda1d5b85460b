"""Physical backups of the embedded cluster: ``pg_basebackup`` (WAL streamed in, so the copy is
consistent on its own), checked with ``pg_verifybackup``.

The table checksums of the manifest are read from the backup itself, started on a scratch copy,
so they describe exactly what was copied even while writes go on.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.accounts import system_account
from pulsefolio.runtime.backup.manifest import Manifest, describe, differences, file_checksums
from pulsefolio.runtime.backup.tools import BackupError, libpq, run
from pulsefolio.runtime.ports import free_port
from pulsefolio.runtime.servers import postgres
from pulsefolio.runtime.supervisor import Supervisor

BASE = "base"
PASSWORD_FILE = "postgres-password"  # noqa: S105 (a file name)
HOST = "127.0.0.1"


def take(url: str, folder: Path, database: str, system_user: str) -> Manifest:
    """Base-back-up the cluster behind ``url`` into ``folder``; the manifest covers ``database``."""
    conninfo, env = libpq(url, "postgres")
    base = folder / BASE
    run(
        "pg_basebackup", "-d", conninfo, "-D", base, "-Fp", "-X", "stream", "-c", "fast",
        "--manifest-checksums=SHA256", "--no-password", env=env,
    )  # fmt: skip
    run("pg_verifybackup", base)
    (folder / PASSWORD_FILE).write_text(env.get("PGPASSWORD", "") + "\n")
    (folder / PASSWORD_FILE).chmod(0o600)
    scratch = Path(tempfile.mkdtemp(prefix="pulsefolio-verify-"))
    try:
        with started(base, folder / PASSWORD_FILE, scratch, system_user, fast=True) as started_url:
            version, tables = asyncio.run(
                describe(with_database(started_url, database, driver=None))
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    manifest = Manifest("physical", database, version, tables, files=file_checksums(folder))
    manifest.write(folder)
    return manifest


def restore(folder: Path, data_dir: Path, system_user: str) -> Manifest:
    """Make ``<data_dir>/postgres`` from the backup and check it against the manifest.

    ``data_dir`` then serves as a Pulsefolio data directory (``pulsefolio --data-dir``).
    """
    manifest = Manifest.read(folder)
    check_files(folder, manifest)
    run("pg_verifybackup", folder / BASE)
    if (data_dir / "postgres" / "PG_VERSION").exists():
        raise BackupError(f"{data_dir} already holds a database cluster; restore into a new one")
    with started(folder / BASE, folder / PASSWORD_FILE, data_dir, system_user) as url:
        _, tables = asyncio.run(describe(with_database(url, manifest.database, driver=None)))
    verify(manifest, tables)
    return manifest


@contextmanager
def started(
    base: Path, password: Path, root: Path, system_user: str, *, fast: bool = False
) -> Iterator[str]:
    """Copy ``base`` into the data directory ``root`` and run it on a free port until exit
    (``fast``: without fsync, for a scratch copy)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o711)
    shutil.copytree(base, root / "postgres")
    shutil.copy2(password, root / PASSWORD_FILE)
    postgres.give_tree(root / "postgres", system_account(system_user))
    supervisor = Supervisor(root / "logs", report=lambda _: None)
    spec = postgres.spec(root, host=HOST, port=free_port(), system_user=system_user, fast=fast)
    try:
        supervisor.start(spec)
        yield spec.url or ""
    finally:
        supervisor.stop()


def check_files(folder: Path, manifest: Manifest) -> None:
    """BackupError unless every file of the backup is as the manifest recorded it."""
    found = differences(manifest.files, file_checksums(folder))
    if found:
        raise BackupError("backup files damaged: " + "; ".join(found[:5]))


def verify(manifest: Manifest, tables: dict[str, dict[str, object]]) -> None:
    """BackupError unless the restored tables equal the manifest's, row counts and checksums."""
    found = differences(manifest.tables, tables)
    if found:
        raise BackupError("restored database differs from the backup: " + "; ".join(found[:5]))
