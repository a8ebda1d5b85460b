"""``pulsefolio backup``: a verified backup of the database with its manifest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.runtime.backup import take
from pulsefolio.runtime.backup.schedule import backup_root, run_schedule
from pulsefolio.runtime.backup.take import new_folder
from pulsefolio.runtime.backup.tools import BackupError
from pulsefolio.runtime.database import database_url
from pulsefolio.runtime.replication.topology import primary_url

F = TypeVar("F", bound=Callable[..., Any])


def folder_option(flag: str, dest: str, help: str) -> Callable[[F], F]:
    """An optional folder-valued option."""
    return click.option(
        flag, dest, type=click.Path(path_type=Path, file_okay=False), default=None, help=help
    )


@click.command(name="backup")
@folder_option(
    "--to",
    "target",
    "Empty folder for this backup [default: new one in PULSEFOLIO_BACKUP_DIR].",
)
@click.option("--schedule", is_flag=True, hidden=True, help="Back up every backup_interval.")
@pass_cli
def backup(cli: CliContext, target: Path | None, schedule: bool) -> None:
    """Back up the database: a base backup of the embedded one, a dump of an external one."""
    settings = cli.settings()
    if schedule:
        run_schedule(settings, report=click.echo)
        return
    folder = target or new_folder(backup_root(settings))
    try:
        with database_url(settings, report=click.echo) as url:
            manifest = take(
                primary_url(settings, url),
                folder,
                embedded=settings.database_url is None,
                system_user=settings.postgres_system_user,
            )
    except (BackupError, FileNotFoundError) as exc:
        raise ConfigurationError(str(exc)) from exc
    rows = sum(table["rows"] for table in manifest.tables.values())
    click.echo(
        f"{manifest.method} backup of {manifest.database} (PostgreSQL {manifest.server_version}):"
        f" {len(manifest.tables)} tables, {rows} rows, in {folder}"
    )
