"""Launch specs of Pulsefolio's own services: portfolio instances and the asset data service.

The services read their settings from ``PULSEFOLIO_*`` variables, so every setting, with the
server URLs resolved to the servers actually in use, goes into their environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import SecretStr

import pulsefolio
from pulsefolio.core.settings import ENV_PREFIX, Settings
from pulsefolio.runtime.readiness import http_ok
from pulsefolio.runtime.spec import ProcessSpec

HEALTH_PATH = "/api/v1/health"
SOURCE_ROOT = Path(pulsefolio.__file__).resolve().parent.parent


def settings_env(settings: Settings) -> dict[str, str]:
    """Every set value of ``settings`` as ``PULSEFOLIO_*`` variables, plus an import path."""
    env: dict[str, str] = {}
    for key, value in settings.model_dump().items():
        if value is None or key == "config":
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"{ENV_PREFIX}{key.upper()}"] = str(value)
    env["PYTHONPATH"] = str(SOURCE_ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _service_spec(settings: Settings, name: str, module: str, port: int, *args: str) -> ProcessSpec:
    return ProcessSpec(
        name=name,
        argv=(sys.executable, "-m", module, "--port", str(port), *args),
        env=settings_env(settings),
        cwd=settings.data_dir,
        ready=http_ok(f"http://127.0.0.1:{port}{HEALTH_PATH}"),
        grace=10.0,
        port=port,
        url=f"http://127.0.0.1:{port}",
        start_timeout=60.0,
    )


def portfolio_spec(settings: Settings, index: int) -> ProcessSpec:
    """Portfolio instance ``index`` (0-based), named ``portfolio-<index+1>``."""
    name = f"portfolio-{index + 1}"
    port = settings.portfolio_ports()[index]
    if settings.partition_users and settings.portfolio_instances > 1:
        settings = settings.model_copy(update={"portfolio_shard": index})
    return _service_spec(settings, name, "pulsefolio.portfolio", port, "--instance-id", name)


def assets_spec(settings: Settings) -> ProcessSpec:
    return _service_spec(settings, "assets", "pulsefolio.assets", settings.asset_port)
