"""One entry point for both methods: physical for the embedded cluster, logical otherwise."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.backup import logical, physical
from pulsefolio.runtime.backup.manifest import MANIFEST, Manifest
from pulsefolio.runtime.backup.tools import BackupError

PREFIX = "pulsefolio-"


def new_folder(parent: Path) -> Path:
    """A fresh ``pulsefolio-<UTC time>`` folder under ``parent``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = parent / f"{PREFIX}{stamp}"
    folder.mkdir(parents=True, mode=0o700)
    return folder


def take(url: str, folder: Path, *, embedded: bool, system_user: str) -> Manifest:
    """Back up the database at ``url`` into the empty ``folder``; removed again on failure."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty; back up into a new folder")
    try:
        if embedded:
            database = make_url(with_database(url)).database or "postgres"
            return physical.take(url, folder, database, system_user)
        return asyncio.run(logical.take(url, folder))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def restore(
    folder: Path, *, data_dir: Path, url: str | None, database: str | None, system_user: str
) -> Manifest:
    """Restore ``folder``: a physical backup into ``data_dir``, a logical one into a new
    ``database`` on the server of ``url``. Raises BackupError unless the result matches."""
    manifest = Manifest.read(folder)
    if manifest.method == "physical":
        return physical.restore(folder, data_dir, system_user)
    if url is None:
        raise BackupError("a logical backup restores into a server: set PULSEFOLIO_DATABASE_URL")
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    target = database or f"{manifest.database}_restored_{stamp}"
    return asyncio.run(logical.restore(folder, url, target))


def prune(parent: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest complete backups under ``parent``; the deleted ones."""
    complete = sorted(path for path in parent.glob(f"{PREFIX}*") if (path / MANIFEST).is_file())
    doomed = complete[:-keep] if keep > 0 else complete
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return doomed
