"""``pulsefolio assets``: run a price refresh now, show how each market-data source is doing,
and import manual prices from a CSV file.

All find the platform through the data directory: the server URLs a running ``up`` wrote to
``<data-dir>/ready.json``, else the URLs in the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import httpx
from rich.console import Console
from rich.table import Table

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.settings import Settings
from pulsefolio.runtime import state
from pulsefolio.runtime.layout import Layout


def platform_settings(cli: CliContext) -> Settings:
    """Settings with the running platform's server URLs filled in from ``ready.json``."""
    settings = cli.settings()
    ready = state.read_json(Layout(settings.data_dir).ready_file) or {}
    found = {
        key: ready[key]
        for key in ("database_url", "redis_url", "nats_url")
        if ready.get(key) and not getattr(settings, key)
    }
    return settings.model_copy(update=found) if found else settings


@click.group()
def assets() -> None:
    """Market data: refresh prices, show source health."""


async def _refresh(settings: Settings) -> dict[str, Any]:
    from pulsefolio.assets.catalog import build_sources
    from pulsefolio.assets.refresh import RefreshLoop
    from pulsefolio.assets.resources import open_resources

    async with open_resources(settings) as resources, httpx.AsyncClient() as client:
        sources = await build_sources(settings, client, resources.engine)
        loop = RefreshLoop(settings, sources, resources.engine, resources.cache, resources.stream)
        try:
            return (await loop.run_once()).as_dict()
        finally:
            for source in sources.values():
                with contextlib.suppress(Exception):
                    await source.aclose()


@assets.command()
@pass_cli
def refresh(cli: CliContext) -> None:
    """Run one refresh cycle now (waits for a cycle already running)."""
    report = asyncio.run(_refresh(platform_settings(cli)))
    click.echo(
        f"priced {report['priced']} of {report['assets']} assets "
        f"({report['changed_prices']} changed, {report['unchanged']} unchanged), "
        f"{report['fx_priced']} of {report['fx_pairs']} FX pairs; "
        f"{report['history_rows']} history rows, {report['published']} messages published, "
        f"{report['outbox_pending']} pending; {report['duration_seconds']:.2f} s"
    )
    for rejection in report["rejections"]:
        click.echo(f"  rejected {rejection['key']} from {rejection['source']}: "
                   f"{rejection['reason']}")  # fmt: skip
    if report["unpriced"]:
        click.echo(f"  no price: {', '.join(report['unpriced'])}")


async def _status(settings: Settings) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    from pulsefolio.assets.board import StatusBoard
    from pulsefolio.core.cache import connect_redis
    from pulsefolio.core.settings import require_servers

    _, redis_url, _ = require_servers(settings)
    client = connect_redis(redis_url)
    try:
        return await StatusBoard(client, settings.namespace).read()
    finally:
        await client.aclose()


def _state(row: dict[str, Any]) -> str:
    state = str(row.get("state", "healthy" if row["healthy"] else "cooling_down"))
    if state == "cooling_down":
        return f"shut out {row['unhealthy_for_seconds']:.0f} s"
    return state.replace("_", " ")


def _ago(value: str | None, now: datetime) -> str:
    if not value:
        return "never"
    return f"{(now - datetime.fromisoformat(value)).total_seconds():.0f} s ago"


@assets.command()
@pass_cli
def sources(cli: CliContext) -> None:
    """Each source's health, last success, error counts and latency, as the fetcher reports."""
    rows, cycle = asyncio.run(_status(platform_settings(cli)))
    if not rows:
        click.echo("no refresh cycle has reported yet")
        return
    now = datetime.now(UTC)
    table = Table("source", "health", "last success", "ok", "failed", "errors", "rejected",
                  "latency")  # fmt: skip
    for row in rows:
        latency = row["latency_avg_seconds"]
        table.add_row(
            row["name"],
            _state(row),
            _ago(row["last_success"], now),
            str(row["successes"]),
            str(row["failures"]),
            ", ".join(f"{kind} {n}" for kind, n in sorted(row["errors"].items())) or "-",
            str(row["rejected"]),
            "-" if latency is None else f"{latency * 1000:.0f} ms",
        )
    Console(width=140).print(table)
    if cycle:
        click.echo(f"last cycle: {_ago(cycle['started_at'], now)} by pid {cycle['pid']} on "
                   f"{cycle['host']}, {cycle['duration_seconds']:.2f} s")  # fmt: skip


async def _import_prices(settings: Settings, text: str) -> dict[str, Any]:
    from pulsefolio.assets.market.service import import_manual_csv
    from pulsefolio.assets.resources import open_resources
    from pulsefolio.assets.writer import PriceWriter

    async with open_resources(settings) as resources:
        writer = PriceWriter(resources.engine, resources.cache, resources.stream)
        return await import_manual_csv(resources.engine, writer, text)


@assets.command("import-prices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_cli
def import_prices(cli: CliContext, file: Path) -> None:
    """Store the manual prices in FILE (CSV: symbol,price,currency,as_of), all or none."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file} is not UTF-8 text") from exc
    try:
        report = asyncio.run(_import_prices(platform_settings(cli), text))
    except ValidationFailed as exc:
        click.echo(f"{file}: {exc.detail}", err=True)
        for where, reason in exc.fields.items():
            click.echo(f"  {where}: {reason}", err=True)
        sys.exit(1)
    changed = ", ".join(report["changed"]) or "none"
    click.echo(f"stored {report['accepted']} manual prices "
               f"({report['history_rows']} new history rows); changed: {changed}")  # fmt: skip
