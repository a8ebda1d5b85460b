"""``pulsefolio bench``: measure the platform against its own ceilings (docs/benchmarks.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pulsefolio.bench import report, wrk
from pulsefolio.bench.run import BenchFailed, run


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
@click.option("--connections", type=click.IntRange(1), default=wrk.CONNECTIONS, show_default=True,
              help="Connections wrk keeps open on every measured route.")  # fmt: skip
@click.option("--no-partition", is_flag=True,
              help="Every instance loads every user, balanced round-robin.")  # fmt: skip
@click.option("--answer-cache-mb", type=click.IntRange(0), default=None,
              help="Answer cache per instance (default: the setting's); 0: none.")  # fmt: skip
def bench(
    users: int, instances: int, duration: float, refreshes: int, warm_up: float, out: Path | None,
    connections: int, no_partition: bool, answer_cache_mb: int | None,
) -> None:  # fmt: skip
    """Start the whole stack on a temporary data directory with USERS synthetic users, measure
    gateway, bare ASGI and Python ceilings, portfolio reads, the naive baseline, propagation,
    revaluation and memory, print one table with the ratios, and stop everything."""
    if wrk.find() is None:
        raise click.ClickException(wrk.MISSING)
    overrides: dict[str, object] = {"partition_users": not no_partition}
    if answer_cache_mb is not None:
        overrides["answer_cache_mb"] = answer_cache_mb
    try:
        figures = run(
            users, instances, duration, refreshes=refreshes, warm_up=warm_up,
            say=lambda m: click.echo(m, err=True), overrides=overrides, connections=connections,
        )  # fmt: skip
    except BenchFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.table(figures))
    if out is not None:
        out.write_text(json.dumps(figures, indent=2))
