"""``pulsefolio users promote|demote EMAIL``: make a user an administrator, or a user again.

Works on the database of the settings (the running ``up``'s, or an external URL). Running
portfolio instances hear of the change through PostgreSQL and apply it at once.
"""

from __future__ import annotations

import asyncio

import click

from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.domain import Role
from pulsefolio.runtime.database import database_url


async def _set_role(url: str, email: str, role: Role) -> Role:
    from pulsefolio.portfolio.users.service import set_role

    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return await set_role(session, email, role)
    finally:
        await engine.dispose()


def _change(cli: CliContext, email: str, role: Role) -> None:
    settings = cli.settings()
    with database_url(settings, report=click.echo) as url:
        before = asyncio.run(_set_role(url, email, role))
    if before == role:
        click.echo(f"{email} is already {'an admin' if role == Role.ADMIN else 'a user'}")
    else:
        click.echo(f"{email}: {before.value} -> {role.value}")


@click.group()
def users() -> None:
    """Users' roles."""


@users.command()
@click.argument("email")
@pass_cli
def promote(cli: CliContext, email: str) -> None:
    """Make the user with EMAIL an administrator."""
    _change(cli, email, Role.ADMIN)


@users.command()
@click.argument("email")
@pass_cli
def demote(cli: CliContext, email: str) -> None:
    """Make the administrator with EMAIL a plain user."""
    _change(cli, email, Role.USER)
