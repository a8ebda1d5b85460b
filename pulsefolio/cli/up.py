"""``pulsefolio up``: start the whole platform and supervise it until Ctrl-C or SIGTERM."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.runtime import platform


@click.command()
@click.option("--instances", type=int, default=None, help="Portfolio-service instances [2].")
@click.option("--bench-mode", is_flag=True, hidden=True, help="Add the /bench/fixed route.")
@click.option(
    "--stream",
    type=click.Choice(["nats", "kafka"]),
    default=None,
    help="Embedded stream broker: NATS [default], or Kafka protocol (Tansu, memory only).",
)
@click.option(
    "--replicas", is_flag=True, default=None, help="Also run PostgreSQL and Redis replicas."
)
@pass_cli
def up(
    cli: CliContext,
    instances: int | None,
    bench_mode: bool,
    stream: str | None,
    replicas: bool | None,
) -> None:
    """Start PostgreSQL, Redis, NATS (or Tansu), the services and the gateway."""
    settings = cli.settings(portfolio_instances=instances, stream=stream, replicas=replicas)
    console = Console(highlight=False)

    def report(message: str) -> None:
        style = "green" if message.startswith("[ok]") else None
        console.print(message, markup=False, style=style)
        sys.stdout.flush()

    sys.exit(platform.up(settings, report=report, bench_mode=bench_mode))
