"""``pulsefolio cache``: the Redis price cache, which needs no backup.

``rebuild`` refills it from the database (latest price per asset, latest rate per FX pair),
newer-only, so it never moves a price backwards; the asset service does the same at start and
whenever Redis comes back. The servers are those of the running platform (``ready.json``), else
the settings' URLs.
"""

from __future__ import annotations

import asyncio

import click
from redis.exceptions import RedisError

from pulsefolio.cli.assets import platform_settings
from pulsefolio.cli.context import CliContext, pass_cli
from pulsefolio.core.cache import PriceCache, Rebuilt, connect_redis, rebuild
from pulsefolio.core.settings import Settings, require_servers


@click.group(name="cache")
def cache() -> None:
    """The Redis price cache."""


async def _rebuild(settings: Settings) -> Rebuilt:
    from pulsefolio.core.db.engine import create_engine

    database_url, redis_url, _ = require_servers(settings)
    engine = create_engine(database_url)
    redis = connect_redis(redis_url)
    try:
        return await rebuild(engine, PriceCache(redis, settings.namespace))
    finally:
        await redis.aclose()
        await engine.dispose()


@cache.command("rebuild")
@pass_cli
def rebuild_command(cli: CliContext) -> None:
    """Refill the price cache from the price history and FX rates (newer-only)."""
    try:
        done = asyncio.run(_rebuild(platform_settings(cli)))
    except (OSError, RedisError) as exc:
        raise click.ClickException(f"cannot reach the servers: {exc}") from exc
    click.echo(
        f"rebuilt the price cache: {done.prices} prices ({done.changed_prices} updated), "
        f"{done.fx} FX rates ({done.changed_fx} updated)"
    )
