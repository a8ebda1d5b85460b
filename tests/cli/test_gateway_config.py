"""``pulsefolio gateway config``: Envoy's bootstrap for hosts on other machines, accepted by
Envoy itself, and a real Envoy started with it sending each caller to their owner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from pulsefolio.cli.main import main
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.servers import envoy as envoy_server
from pulsefolio.runtime.supervisor import Supervisor
from tests.gateway.test_config import Crashes, _backend, _instance_of

PORTS = PortPicker()
SECRET = "gateway-config-test-secret-0123456789abcdef"


def _render(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any] | None]:
    out = tmp_path / "envoy.json"
    env = {
        "PULSEFOLIO_GATEWAY_ADMIN_PORT": str(PORTS.one()),
        "PULSEFOLIO_SECRET_KEY": SECRET,
    }
    result = CliRunner().invoke(
        main, ["--data-dir", str(tmp_path), "gateway", "config", *args, "--out", str(out)], env=env
    )
    config = json.loads(out.read_text()) if out.exists() else None
    return result.exit_code, result.output, config


def _clusters(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def _priorities(cluster: dict[str, Any]) -> list[list[str]]:
    return [
        [
            "{address}:{port_value}".format(**e["endpoint"]["address"]["socket_address"])
            for e in level["lb_endpoints"]
        ]
        for level in cluster["load_assignment"]["endpoints"]
    ]


class TestConfig:
    def test_each_listed_host_owns_its_shard_and_envoy_accepts_it(self, tmp_path: Path) -> None:
        hosts = "10.0.0.11:8410,10.0.0.12:8410,10.0.0.13:8410"
        code, output, config = _render(tmp_path, "--portfolio", hosts, "--asset", "10.0.0.20:8420")
        assert code == 0, output
        assert config is not None
        clusters = _clusters(config)
        listed = hosts.split(",")
        for owner, host in enumerate(listed):
            cluster = clusters[f"portfolio-{owner}"]
            assert _priorities(cluster) == [[host], [h for h in listed if h != host]]
        assert _priorities(clusters["assets"]) == [["10.0.0.20:8420"]]
        assert clusters["portfolio"]["type"] == "STATIC"
        listener = config["static_resources"]["listeners"][0]["address"]["socket_address"]
        assert listener == {"address": "0.0.0.0", "port_value": 8400}
        result = envoy_server.validate(tmp_path / "envoy.json")
        assert result.returncode == 0, result.stderr

    def test_dns_names_are_resolved_by_envoy(self, tmp_path: Path) -> None:
        code, output, config = _render(
            tmp_path, "--portfolio", "portfolio-0:8410,portfolio-1:8410", "--asset", "assets:8420"
        )
        assert code == 0, output
        assert config is not None
        assert {c["type"] for c in _clusters(config).values()} == {"STRICT_DNS"}
        result = envoy_server.validate(tmp_path / "envoy.json")
        assert result.returncode == 0, result.stderr

    @pytest.mark.parametrize(
        "args",
        [
            ("--portfolio", "10.0.0.1", "--asset", "10.0.0.2:8420"),
            ("--portfolio", "10.0.0.1:8410", "--asset", "10.0.0.2:99999"),
            ("--portfolio", ",", "--asset", "10.0.0.2:8420"),
        ],
    )
    def test_a_bad_address_is_one_line_and_writes_nothing(
        self, tmp_path: Path, args: tuple[str, ...]
    ) -> None:
        code, output, config = _render(tmp_path, *args)
        assert code == 2
        assert "host:port" in output
        assert config is None


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[Settings]:
    """A real Envoy from a rendered config, in front of two local stand-in portfolio hosts."""
    crashes = Crashes()
    first, second, asset, gateway_port = (PORTS.one() for _ in range(4))
    backends = [
        _backend(first, "p1", crashes),
        _backend(second, "p2", crashes),
        _backend(asset, "assets", crashes),
    ]
    hosts = f"127.0.0.1:{first},127.0.0.1:{second}"
    listen = f"127.0.0.1:{gateway_port}"
    code, output, _ = _render(
        tmp_path, "--portfolio", hosts, "--asset", f"127.0.0.1:{asset}", "--listen", listen
    )
    assert code == 0, output
    settings = Settings(
        data_dir=tmp_path,
        gateway_port=gateway_port,
        gateway_admin_port=json.loads((tmp_path / "envoy.json").read_text())["admin"]["address"][
            "socket_address"
        ]["port_value"],
        secret_key=SECRET,
        portfolio_instances=2,
    )
    supervisor = Supervisor(tmp_path / "logs", report=lambda _: None)
    try:
        supervisor.start(envoy_server.spec(settings, rendered=tmp_path / "envoy.json"))
        yield settings
    finally:
        supervisor.stop()
        for backend in backends:
            backend.shutdown()
            backend.server_close()


def test_a_real_envoy_sends_each_caller_to_the_listed_owner(edge: Settings) -> None:
    even, odd = (issue_access_token(edge, user, "user") for user in (4, 7))
    with httpx.Client(base_url=f"http://127.0.0.1:{edge.gateway_port}") as client:
        assert {_instance_of(client, even) for _ in range(10)} == {"p1"}
        assert {_instance_of(client, odd) for _ in range(10)} == {"p2"}
        market = client.get("/api/v1/market/quotes")
        assert market.json()["instance"] == "assets"
