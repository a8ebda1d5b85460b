"""``pulsefolio gateway config``: Envoy's bootstrap for portfolio and asset hosts on other
machines, for an Envoy run on the edge (``envoy -c envoy.json``).

Portfolio instance ``i`` is the ``i``-th listed host: it owns the users whose id mod the number
of hosts is ``i``, so each host runs with ``PULSEFOLIO_PORTFOLIO_SHARD=i`` and
``PULSEFOLIO_PORTFOLIO_INSTANCES`` set to that number. Hosts are addresses or DNS names.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.errors import ConfigurationError
from pulsefolio.gateway import Upstreams, render_config


@click.group(name="gateway")
def gateway() -> None:
    """The Envoy gateway."""


def parse_address(text: str, option: str) -> tuple[str, int]:
    """``host:port`` as a pair; ConfigurationError naming ``option`` otherwise."""
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigurationError(f"{option} takes host:port, got {text.strip()!r}")
    return host, int(port)


@gateway.command("config")
@click.option(
    "--portfolio", required=True, help="Portfolio hosts, host:port,host:port (shard order)."
)
@click.option("--asset", required=True, help="The asset data service, host:port.")
@click.option(
    "--listen", default="0.0.0.0:8400", show_default=True, help="The gateway's host:port."
)
@click.option(
    "--out", type=click.Path(path_type=Path, dir_okay=False), help="Write here, not stdout."
)
@pass_cli
def config(cli: CliContext, portfolio: str, asset: str, listen: str, out: Path | None) -> None:
    """Render Envoy's bootstrap for portfolio and asset hosts on other machines."""
    hosts = [parse_address(entry, "--portfolio") for entry in portfolio.split(",") if entry.strip()]
    if not hosts:
        raise ConfigurationError("--portfolio takes at least one host:port")
    host, port = parse_address(listen, "--listen")
    settings = cli.settings(portfolio_instances=len(hosts), host=host, gateway_port=port)
    upstreams = Upstreams(hosts, parse_address(asset, "--asset"))
    text = json.dumps(render_config(settings, upstreams=upstreams), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)
        click.echo(f"wrote {out}: {len(hosts)} portfolio hosts, gateway on {host}:{port}")
