"""Scheduled backups: ``pulsefolio backup --schedule`` as a child of ``up``, one backup every
``backup_interval`` seconds into ``backup_dir``, keeping the ``backup_keep`` newest.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from pulsefolio.core.settings import ENV_PREFIX, Settings
from pulsefolio.runtime.backup.take import new_folder, prune, take
from pulsefolio.runtime.database import database_url
from pulsefolio.runtime.replication.topology import primary_url
from pulsefolio.runtime.services import SOURCE_ROOT, settings_env
from pulsefolio.runtime.spec import ProcessSpec


def backup_root(settings: Settings) -> Path:
    return settings.backup_dir or settings.data_dir / "backups"


def run_schedule(settings: Settings, report: Callable[[str], None] = print) -> None:
    """Back up, prune, sleep; forever. A failed backup is reported and retried next time."""
    root = backup_root(settings)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    while True:
        time.sleep(settings.backup_interval)
        folder = new_folder(root)
        try:
            with database_url(settings, report=report) as url:
                manifest = take(
                    primary_url(settings, url),
                    folder,
                    embedded=settings.database_url is None,
                    system_user=settings.postgres_system_user,
                )
        except Exception as exc:  # the next run may succeed: say why this one failed
            report(f"backup failed: {exc}")
            continue
        removed = prune(root, settings.backup_keep)
        report(
            f"{manifest.method} backup in {folder}; removed {len(removed)} old"
            f" (keeping {settings.backup_keep})"
        )


def spec(settings: Settings, *, embedded: bool) -> ProcessSpec:
    """The supervised backup task. For the embedded database its URL is left out, so each run
    finds the running cluster itself and takes a physical backup of it."""
    env = settings_env(settings)
    if embedded:
        env.pop(f"{ENV_PREFIX}DATABASE_URL", None)
    return ProcessSpec(
        name="backup",
        argv=(sys.executable, "-m", "pulsefolio.cli.main", "backup", "--schedule"),
        env=env,
        cwd=SOURCE_ROOT,
        grace=5.0,
    )
