"""``pulsefolio migrate``: bring the database to the newest schema."""

from __future__ import annotations

import asyncio

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.runtime import bootstrap
from pulsefolio.runtime.database import database_url


@click.command()
@pass_cli
def migrate(cli: CliContext) -> None:
    """Apply the database migrations (also done by `up`)."""
    settings = cli.settings()
    with database_url(settings, report=click.echo) as url:
        asyncio.run(bootstrap.migrate(url))
    click.echo("schema up to date")
