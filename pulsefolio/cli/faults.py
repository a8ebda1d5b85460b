"""``pulsefolio faults``: a portfolio instance, then Redis, then NATS killed under write load,
each recovered from before the next; then a check that no acknowledged write was lost or doubled.

Uses the platform running on the data directory, or starts one for the run. Prints a JSON
report (requests, failures by kind, 503s and whether each said ``Retry-After``, how soon writes
resumed after each kill) and exits 1 if a write was lost or doubled, a 503 lacked
``Retry-After``, a server answered 5xx otherwise, or a fault was not recovered from in time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.cli.soak import finish, to_stderr


def _seconds(
    name: str, default: float, least: float, says: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        name, type=click.FloatRange(min=least), default=default, show_default=True, help=says
    )


@click.command(name="faults")
@click.option("--users", type=click.IntRange(1, 200), default=4, show_default=True)
@_seconds("--settle", 3.0, 0, "Seconds of steady load before the first kill and after each.")
@_seconds("--within", 30.0, 1, "Seconds each kill may take until writes are acknowledged again.")
@pass_cli
def faults(cli: CliContext, users: int, settle: float, within: float) -> None:
    """Kill a portfolio instance, Redis and NATS in turn under write load; check nothing lost."""
    from pulsefolio.runtime.soak import SequenceOptions, run_fault_sequence

    options = SequenceOptions(users, settle, within)
    finish("faults", run_fault_sequence(cli.settings(), options, to_stderr))
