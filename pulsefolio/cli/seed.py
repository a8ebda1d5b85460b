"""``pulsefolio seed``: deterministic demo users, accounts and holdings (idempotent)."""

from __future__ import annotations

import asyncio

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.runtime import bootstrap
from pulsefolio.runtime.database import database_url
from pulsefolio.runtime.layout import Layout, secret_file


@click.command()
@click.option("--users", type=int, default=None, help="How many users [PULSEFOLIO_DEMO_USERS].")
@click.option("--seed", "seed_", type=int, default=None, help="Random seed [PULSEFOLIO_DEMO_SEED].")
@pass_cli
def seed(cli: CliContext, users: int | None, seed_: int | None) -> None:
    """Seed demo data into the database, migrating it first."""
    settings = cli.settings(demo_users=users, demo_seed=seed_)
    password = secret_file(Layout(settings.data_dir).demo_password_file)
    with database_url(settings, report=click.echo) as url:
        asyncio.run(bootstrap.migrate(url))
        result = asyncio.run(
            bootstrap.seed(
                url,
                users=settings.demo_users,
                seed=settings.demo_seed,
                demo_email=settings.demo_email,
                demo_password=password,
            )
        )
    click.echo(f"seeded: {result}")
    click.echo(f"demo login: {settings.demo_email} / {password}")
