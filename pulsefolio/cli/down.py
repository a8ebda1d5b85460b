"""``pulsefolio down``: stop the ``up`` running on the data directory and wait until it is gone."""

from __future__ import annotations

import os
import signal
import time

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.runtime import state
from pulsefolio.runtime.layout import Layout


@click.command()
@click.option("--timeout", type=float, default=90.0, show_default=True, help="Seconds to wait.")
@pass_cli
def down(cli: CliContext, timeout: float) -> None:
    """Stop a running `pulsefolio up`."""
    settings = cli.settings()
    layout = Layout(settings.data_dir)
    running = state.running_up(layout)
    if running is None:
        killed = state.clean_stale(layout, settings.host)
        note = f" (killed leftovers: {', '.join(killed)})" if killed else ""
        click.echo(f"pulsefolio is not running on {settings.data_dir}{note}")
        return
    os.kill(int(running["pid"]), signal.SIGTERM)
    click.echo(f"stopping pulsefolio (pid {running['pid']}) …")
    deadline = time.monotonic() + timeout
    while state.alive(running):
        if time.monotonic() > deadline:
            raise ConfigurationError(
                f"pulsefolio (pid {running['pid']}) did not stop within {timeout:.0f}s; "
                "see the logs under the data directory"
            )
        time.sleep(0.2)
    click.echo("stopped")
