"""``pulsefolio bench-history``: time value history and returns against a per-day loop."""

from __future__ import annotations

import resource
import sys

import click

from pulsefolio.portfolio.valuation.bench import bench_history as measure

COLUMNS = (
    ("transactions", "transactions", "{:,.0f}"),
    ("days", "days", "{:,.0f}"),
    ("holdings", "holdings", "{:,.0f}"),
    ("replay_s", "lots s", "{:.3g}"),
    ("history_s", "history s", "{:.3g}"),
    ("returns_s", "returns s", "{:.3g}"),
    ("history_and_returns_s", "history+returns s", "{:.3g}"),
    ("total_s", "total s", "{:.3g}"),
    ("baseline_s", "loop baseline s", "{:.3g}"),
    ("speedup", "speed-up", "{:.1f}x"),
    ("history_mb", "arrays MB", "{:.1f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
    ("max_rel_diff", "max rel diff", "{:.1e}"),
)


def _sizes(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter("a comma-separated list of whole numbers") from exc
    if not sizes or min(sizes) < 10:
        raise click.BadParameter("each size must be at least 10 transactions")
    return sizes


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def table(rows: list[dict[str, float]]) -> str:
    """The figures as an aligned text table, one row per size."""
    cells = [[title for _, title, _ in COLUMNS]]
    cells += [[fmt.format(row[key]) for key, _, fmt in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
        for line in cells
    )


@click.command(name="bench-history")
@click.option("--sizes", default="1000,10000,100000", show_default=True, callback=_sizes,
              help="Transaction counts to measure, comma-separated.")  # fmt: skip
@click.option("--years", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Years of daily prices.")  # fmt: skip
def bench_history(sizes: list[int], years: int) -> None:
    """Time lots, daily value history and returns (every named range) on synthetic ledgers of
    SIZES transactions over YEARS of daily prices, beside a straightforward per-day loop over
    the same data; print one table with the peak memory of this process."""
    rows = []
    for size in sizes:
        click.echo(f"measuring {size:,} transactions over {years} years ...", err=True)
        figures = measure(size, years)
        figures["total_s"] = figures["replay_s"] + figures["history_and_returns_s"]
        figures["speedup"] = figures["baseline_s"] / max(figures["history_s"], 1e-9)
        figures["peak_rss_mb"] = _peak_rss_mb()
        rows.append(figures)
    click.echo(table(rows))
    click.echo(
        "history+returns: build_history plus TWR, XIRR and gains for every named range; "
        "total adds the exact Decimal lots; "
        "the baseline loops over days and holdings for the same daily values; peak RSS is the "
        "process high-water mark after each size."
    )
