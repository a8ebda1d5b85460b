"""``pulsefolio failover``: promote the replicas of a running ``up --replicas``."""

from __future__ import annotations

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.runtime.replication.failover import failover as promote_replicas


@click.command(name="failover")
@pass_cli
def failover(cli: CliContext) -> None:
    """Fence the PostgreSQL primary and promote its replica (and Redis's, if its primary is down).

    The services follow the new primary by themselves; see docs/operations.md.
    """
    topology = promote_replicas(cli.settings(), report=click.echo)
    click.echo(f"PostgreSQL primary is now port {topology['postgres_primary']['port']}")
