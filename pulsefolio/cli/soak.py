"""``pulsefolio soak``: load and faults against the platform, then a check that nothing was lost.

Uses the platform running on the data directory, or starts one for the run. Prints a JSON
report and exits 1 if any acknowledged write is missing or doubled, a position disagrees with
its transactions, a faulted server did not come back, or answers did not return to the cache.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from pulsefolio.cli.context import CliContext, pass_cli


@click.command(name="soak")
@click.option(
    "--minutes", type=click.FloatRange(min=0.05), required=True, help="Length of the run."
)
@click.option("--users", type=click.IntRange(1, 200), default=8, show_default=True)
@click.option(
    "--every", type=click.FloatRange(min=1), help="Seconds between faults [60, less if short]."
)
@click.option(
    "--hold", type=click.FloatRange(min=0.5), help="Seconds Redis/NATS stay stopped [10, less]."
)
@pass_cli
def soak(
    cli: CliContext, minutes: float, users: int, every: float | None, hold: float | None
) -> None:
    """Concurrent users write and read while faults are injected; check nothing was lost."""
    from pulsefolio.runtime.soak import SoakOptions, run_soak

    finish("soak", run_soak(cli.settings(), SoakOptions(minutes, users, every, hold), to_stderr))


def to_stderr(message: str) -> None:
    click.echo(message, err=True)


def finish(command: str, result: dict[str, Any]) -> NoReturn:
    """Print the JSON report, a verdict line on stderr, and exit 1 unless it is ``ok``."""
    click.echo(json.dumps(result, indent=2))
    click.echo(f"{command}: " + ("nothing lost" if result["ok"] else "FAILED"), err=True)
    sys.exit(0 if result["ok"] else 1)
