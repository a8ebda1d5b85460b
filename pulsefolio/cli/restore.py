"""``pulsefolio restore``: restore a backup and check it against its manifest."""

from __future__ import annotations

from pathlib import Path

import click

from pulsefolio.cli.backup import folder_option
from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.runtime.backup import restore as restore_backup
from pulsefolio.runtime.backup.tools import BackupError


@click.command(name="restore")
@click.argument("source", type=click.Path(path_type=Path, file_okay=False, exists=True))
@folder_option(
    "--data-dir", "data_dir", "New data directory for a physical backup [default: --data-dir]."
)
@click.option("--database", default=None, help="New database for a logical backup.")
@pass_cli
def restore(cli: CliContext, source: Path, data_dir: Path | None, database: str | None) -> None:
    """Restore SOURCE into a new data directory (physical) or a new database (logical)."""
    settings = cli.settings()
    try:
        manifest = restore_backup(
            source,
            data_dir=(data_dir or settings.data_dir).resolve(),
            url=settings.database_url,
            database=database,
            system_user=settings.postgres_system_user,
        )
    except (BackupError, FileNotFoundError) as exc:
        raise ConfigurationError(str(exc)) from exc
    click.echo(
        f"restored {manifest.method} backup of {manifest.created_at}: {len(manifest.tables)} "
        "tables identical to the manifest (row counts and checksums)"
    )
