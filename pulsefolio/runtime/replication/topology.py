"""The replicated servers ``up --replicas`` runs, and the URLs the services use to reach them.

The services get multi-host database URLs: writes go to whichever of the two clusters accepts
them (``target_session_attrs=read-write``); reads go to the replica's port, or to the primary's
while the replica does not answer. After a failover the promoted replica is the one that accepts
writes and it still answers on the replica's port, so the services follow it on their next
connection, with no restart and no configuration change. (Reads do not prefer "any standby": the
fenced old primary is a standby too, possibly one stuck before the failover.)
"""

from __future__ import annotations

from pathlib import Path

from pulsefolio.core.db.urls import multi_host
from pulsefolio.core.settings import Settings
from pulsefolio.runtime.accounts import system_account
from pulsefolio.runtime.servers import postgres, redis
from pulsefolio.runtime.servers.postgres import SUPERUSER, PostgresLayout
from pulsefolio.runtime.spec import ProcessSpec, RunAs

PRIMARY = "postgres"
REPLICA = "postgres-replica"
REDIS_REPLICA = "redis-replica"
STANDBY_NAME = "replica"  # the replica's application_name, which the primary waits for


def primary_options(settings: Settings) -> tuple[str, ...]:
    """With replicas on, a commit returns only once the replica has flushed it to disk."""
    if not settings.replicas:
        return ()
    return (f"synchronous_standby_names={STANDBY_NAME}", "synchronous_commit=on")


def conninfo(settings: Settings, port: int) -> str:
    """libpq keywords a standby uses to stream from the server on ``port``."""
    layout = PostgresLayout.under(settings.data_dir)
    secret = postgres.password(layout).replace("\\", "\\\\").replace("'", "\\'")
    return (
        f"host={settings.host} port={port} user={SUPERUSER} password='{secret}' "
        f"application_name={STANDBY_NAME}"
    )


def follow(data: Path, settings: Settings, port: int, run_as: RunAs | None) -> None:
    """Make the cluster in ``data`` start as a standby of the server on ``port``."""
    (data / "standby.signal").touch()
    value = conninfo(settings, port).replace("'", "''")
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"\nprimary_conninfo = '{value}'\n")
    postgres.give_tree(data, run_as)


def replica_spec(settings: Settings) -> ProcessSpec:
    """The PostgreSQL replica: on first start a base backup of the running primary."""
    from pulsefolio.runtime.backup.tools import libpq, run

    def create(layout: PostgresLayout, run_as: RunAs | None) -> None:
        primary_url = postgres.url(settings.host, settings.postgres_port, layout, "postgres")
        url, env = libpq(primary_url)
        run("pg_basebackup", "-d", url, "-D", layout.data, "-X", "stream", "-c", "fast",
            "--no-password", env=env)  # fmt: skip
        follow(layout.data, settings, settings.postgres_port, run_as)

    return postgres.spec(
        settings.data_dir,
        host=settings.host,
        port=settings.postgres_replica_port,
        system_user=settings.postgres_system_user,
        name=REPLICA,
        create=create,
    )


def redis_replica_spec(settings: Settings) -> ProcessSpec:
    return redis.spec(
        settings.data_dir,
        host=settings.host,
        port=settings.redis_replica_port,
        name=REDIS_REPLICA,
        replica_of=settings.redis_port,
    )


def database_urls(settings: Settings) -> dict[str, str]:
    """``database_url`` (writes) and ``database_replica_url`` (reads) over both clusters."""
    layout = PostgresLayout.under(settings.data_dir)
    secret = postgres.password(layout)
    primary = f"{settings.host}:{settings.postgres_port}"
    replica = f"{settings.host}:{settings.postgres_replica_port}"
    database = postgres.APP_DATABASE
    return {
        "database_url": multi_host(SUPERUSER, secret, [primary, replica], database, "read-write"),
        "database_replica_url": multi_host(SUPERUSER, secret, [replica, primary], database, "any"),
    }


def run_as(settings: Settings) -> RunAs | None:
    return system_account(settings.postgres_system_user)


def topology_file(settings: Settings) -> Path:
    """Where ``pulsefolio failover`` records the roles; kept across restarts."""
    return settings.data_dir / "run" / "topology.json"


def primary_url(settings: Settings, fallback: str) -> str:
    """The embedded primary's URL: the promoted replica's after a failover, else ``fallback``."""
    from pulsefolio.runtime import state

    recorded = state.read_json(topology_file(settings)) or {}
    port = (recorded.get("postgres_primary") or {}).get("port")
    if settings.database_url is not None or not port:
        return fallback
    return postgres.url(settings.host, int(port), PostgresLayout.under(settings.data_dir))


def check_roles(settings: Settings) -> None:
    """After a failover the primary lives in the replica's directory: ``up`` needs --replicas."""
    if settings.database_url is None and not settings.replicas and topology_file(settings).exists():
        from pulsefolio.core.errors import ConfigurationError

        raise ConfigurationError(
            f"{settings.data_dir} was failed over: its primary is now {REPLICA}; start it with "
            "`pulsefolio up --replicas`, or restore a backup into a new data directory"
        )
