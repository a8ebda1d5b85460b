"""``pulsefolio status``: each component of the running platform, its pid, port and health."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.runtime import state
from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.ports import reachable
from pulsefolio.runtime.readiness import http_ok

_HTTP_HEALTH = {"assets": "/api/v1/health", "envoy": "/api/v1/health"}


def _health(name: str, port: int | None, host: str) -> str:
    if not port:
        return "-"
    path = _HTTP_HEALTH.get(name, "/api/v1/health" if name.startswith("portfolio-") else None)
    if path is not None:
        return "healthy" if http_ok(f"http://{host}:{port}{path}")() else "unhealthy"
    return "listening" if reachable(host, port, timeout=1) is None else "not listening"


@click.command()
@pass_cli
def status(cli: CliContext) -> None:
    """Show what runs on the data directory."""
    settings = cli.settings()
    layout = Layout(settings.data_dir)
    running = state.running_up(layout)
    console = Console(highlight=False)
    if running is None:
        console.print(f"pulsefolio is not running on {settings.data_dir}", markup=False)
        return
    ready = state.read_json(layout.ready_file)
    phase = "ready" if ready else "starting"
    console.print(f"pulsefolio {phase} (pid {running['pid']}) on {settings.data_dir}", markup=False)
    if ready:
        console.print(f"gateway: {ready['gateway_url']}", markup=False)
    table = Table("component", "pid", "port", "alive", "health")
    for name, record in (state.read_json(layout.children_file) or {}).items():
        alive = state.alive(record)
        port = record.get("port")
        health = _health(name, port, settings.host) if alive else "-"
        table.add_row(name, str(record["pid"]), str(port or "-"), "yes" if alive else "no", health)
    console.print(table)
