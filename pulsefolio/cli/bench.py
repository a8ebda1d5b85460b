"""``pulsefolio bench``: measure the platform against its own ceilings (docs/benchmarks.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pulsefolio.bench import report, wrk
from pulsefolio.bench.run import run


@click.command(name="bench")
@click.option("--users", type=click.IntRange(1), required=True, help="Synthetic users to load.")
@click.option("--instances", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Portfolio-service instances.")  # fmt: skip
@click.option("--duration", type=click.FloatRange(1), default=10.0, show_default=True,
              help="Seconds of each load measurement.")  # fmt: skip
@click.option("--refreshes", type=click.IntRange(1), default=10, show_default=True,
              help="Full price refreshes timed for propagation.")  # fmt: skip
@click.option("--warm-up", type=click.FloatRange(0), default=2.0, show_default=True,
              help="Seconds of load on each route before measuring.")  # fmt: skip
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also write the figures to this JSON file.")  # fmt: skip
def bench(
    users: int, instances: int, duration: float, refreshes: int, warm_up: float, out: Path | None
) -> None:
    """Start the whole stack on a temporary data directory with USERS synthetic users, measure
    gateway, bare ASGI and Python ceilings, portfolio reads, the naive baseline, propagation,
    revaluation and memory, print one table with the ratios, and stop everything."""
    if wrk.find() is None:
        raise click.ClickException(wrk.MISSING)
    figures = run(
        users, instances, duration, refreshes=refreshes, warm_up=warm_up,
        say=lambda m: click.echo(m, err=True),
    )  # fmt: skip
    click.echo(report.table(figures))
    if out is not None:
        out.write_text(json.dumps(figures, indent=2))
