"""The files in deploy/: the compose topology, its env files and the systemd units agree with
the settings and with each other. Docker cannot pull images here, so the compose file is
checked by structure, not run; its gateway command is run, and Envoy validates its output."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from pulsefolio.cli.main import main
from pulsefolio.core.db.urls import hosts
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream.nats import server_list
from pulsefolio.runtime.servers import envoy as envoy_server

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = {f"PULSEFOLIO_{name.upper()}" for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load((DEPLOY / "compose.yaml").read_text()))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def _env_file(name: str) -> dict[str, str]:
    lines = (DEPLOY / name).read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


class TestCompose:
    def test_the_whole_topology_is_there(self, services: dict[str, dict[str, Any]]) -> None:
        expected = {
            "postgres-primary",
            "postgres-replica",
            "nats-1",
            "nats-2",
            "nats-3",
            "redis-primary",
            "redis-replica",
            "portfolio-0",
            "portfolio-1",
            "assets",
            "envoy",
        }
        assert expected <= set(services)

    def test_every_pulsefolio_variable_is_a_setting(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        named = set(_env_file("env/pulsefolio.env.example"))
        for service in services.values():
            named |= set(service.get("environment", {}))
        unknown = {n for n in named if n.startswith("PULSEFOLIO_")} - SETTINGS
        assert unknown == set()
        assert "PULSEFOLIO_SECRET_KEY" in named

    def test_env_files_exist_as_examples_with_placeholder_secrets(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        referenced = {f for s in services.values() for f in s.get("env_file", [])}
        assert referenced == {"env/pulsefolio.env", "env/postgres.env", "env/redis.env"}
        for name in referenced:
            example = _env_file(f"{name}.example")
            secrets = {k: v for k, v in example.items() if re.search("PASSWORD|SECRET", k)}
            assert secrets and all("change-me" in v for v in secrets.values()), name
            assert not (DEPLOY / name).exists()  # real secrets never in the repository

    def test_portfolio_shards_cover_the_instances_in_gateway_order(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        env = _env_file("env/pulsefolio.env.example")
        count = int(env["PULSEFOLIO_PORTFOLIO_INSTANCES"])
        portfolio = {n: s for n, s in services.items() if n.startswith("portfolio-")}
        shards = {
            int(s["environment"]["PULSEFOLIO_PORTFOLIO_SHARD"]): n for n, s in portfolio.items()
        }
        assert sorted(shards) == list(range(count))
        gateway = services["gateway-config"]["command"]
        listed = _option(gateway, "--portfolio").split(",")
        for shard, address in enumerate(listed):
            host, port = address.split(":")
            assert host == shards[shard]
            assert _option(services[host]["command"], "--port") == port
        asset_host, asset_port = _option(gateway, "--asset").split(":")
        assert _option(services[asset_host]["command"], "--port") == asset_port
        listen_port = _option(gateway, "--listen").rsplit(":", 1)[1]
        assert services["envoy"]["ports"] == [f"{listen_port}:{listen_port}"]

    def test_server_urls_name_the_compose_servers(
        self, services: dict[str, dict[str, Any]]
    ) -> None:
        env = _env_file("env/pulsefolio.env.example")
        assert hosts(env["PULSEFOLIO_DATABASE_URL"]) == [
            "postgres-primary:5432",
            "postgres-replica:5432",
        ]
        assert "target_session_attrs=read-write" in env["PULSEFOLIO_DATABASE_URL"]
        assert "@redis-primary:6379/" in env["PULSEFOLIO_REDIS_URL"]
        nats = [n for n in services if n.startswith("nats-")]
        urls = server_list(env["PULSEFOLIO_NATS_URL"])
        assert urls == [f"nats://{n}:4222" for n in nats]
        assert int(env["PULSEFOLIO_STREAM_REPLICAS"]) == len(nats) == 3
        for name in nats:
            command = services[name]["command"]
            routes = set(_option(command, "--routes").split(","))
            assert routes == {f"nats://{n}:6222" for n in nats if n != name}
            assert _option(command, "--server_name") == name
            assert "--jetstream" in command

    def test_the_gateway_command_renders_a_config_envoy_accepts(
        self, services: dict[str, dict[str, Any]], tmp_path: Path
    ) -> None:
        command = list(services["gateway-config"]["command"])
        out = tmp_path / "envoy.json"
        command[command.index("--out") + 1] = str(out)
        env = {k: v for k, v in _env_file("env/pulsefolio.env.example").items()}
        result = CliRunner().invoke(main, ["--data-dir", str(tmp_path), *command], env=env)
        assert result.exit_code == 0, result.output
        checked = envoy_server.validate(out)
        assert checked.returncode == 0, checked.stderr


class TestSystemd:
    def test_units_verify_with_this_environments_commands(self, tmp_path: Path) -> None:
        """``systemd-analyze verify`` on each unit, the install prefix pointed at this venv."""
        analyze = shutil.which("systemd-analyze")
        assert analyze is not None, "systemd-analyze is needed to verify the units"
        units = sorted((DEPLOY / "systemd").glob("*.service"))
        assert [u.name for u in units] == [
            "pulsefolio-assets.service",
            "pulsefolio-gateway.service",
            "pulsefolio-portfolio@.service",
        ]
        for unit in units:
            text = unit.read_text().replace("/opt/pulsefolio/venv", sys.prefix)
            (tmp_path / unit.name).write_text(text)
        names = [f"./{u.name.replace('@.', '@0.')}" for u in units]
        result = subprocess.run(
            [analyze, "verify", "--man=no", *names],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0 and not result.stderr.strip(), result.stderr
        for unit in units:
            pulsefolio_vars = set(re.findall(r"Environment=(PULSEFOLIO_\w+)=", unit.read_text()))
            assert pulsefolio_vars <= SETTINGS
