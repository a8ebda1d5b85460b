"""The ``pulsefolio`` command group.

Each command lives in its own module; adding one (``assets``, ``backup``, ``bench`` …) means
writing the module and adding one line to ``_COMMANDS``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from pulsefolio.cli import (
    assets,
    backup,
    bench,
    bench_history,
    cache,
    down,
    failover,
    faults,
    gateway,
    migrate,
    restore,
    seed,
    soak,
    status,
    up,
    users,
)
from pulsefolio.cli.context import CliContext
from pulsefolio.core.errors import PulsefolioError
from pulsefolio.runtime.supervisor import Interrupted, StartFailed


class _Group(click.Group):
    """Print Pulsefolio's own errors as one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PulsefolioError as exc:
            click.echo(f"pulsefolio: {exc.detail}", err=True)
            sys.exit(2)
        except StartFailed as exc:
            click.echo(f"pulsefolio: {exc}", err=True)
            sys.exit(1)
        except Interrupted:
            click.echo("pulsefolio: stopped while starting", err=True)
            sys.exit(0)


@click.group(cls=_Group)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="PULSEFOLIO_DATA_DIR",
    help="Where the platform keeps its data and finds a running `up` [default: ./.pulsefolio].",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="PULSEFOLIO_CONFIG",
    help="A TOML file with settings.",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, config: Path | None) -> None:
    """Pulsefolio: a self-hostable, real-time investment portfolio platform."""
    ctx.obj = CliContext(data_dir=data_dir, config=config)


_COMMANDS = [
    up.up,
    down.down,
    status.status,
    migrate.migrate,
    seed.seed,
    assets.assets,
    backup.backup,
    restore.restore,
    failover.failover,
    gateway.gateway,
    cache.cache,
    soak.soak,
    faults.faults,
    bench.bench,
    bench_history.bench_history,
    users.users,
]
for _command in _COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
