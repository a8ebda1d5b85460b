"""Envoy's configuration: its shape, Envoy's own validation, and real routing through Envoy to
small local HTTP backends."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.gateway import render_config
from pulsefolio.gateway.config import (
    BAD_GATEWAY_BODY,
    KEYED_WRITES,
    TIMEOUT_BODY,
    UNAVAILABLE_BODY,
)
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.servers import envoy as envoy_server
from pulsefolio.runtime.supervisor import Supervisor

PORTS = PortPicker()


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "gateway_port": PORTS.one(),
        "gateway_admin_port": PORTS.one(),
        "portfolio_port": 9000,
        "asset_port": 9100,
        "portfolio_instances": 3,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _manager(config: dict[str, Any]) -> dict[str, Any]:
    listener = config["static_resources"]["listeners"][0]
    return listener["filter_chains"][0]["filters"][0]["typed_config"]  # type: ignore[no-any-return]


def _routes(config: dict[str, Any]) -> list[dict[str, Any]]:
    return _manager(config)["route_config"]["virtual_hosts"][0]["routes"]  # type: ignore[no-any-return]


def _local_reply(config: dict[str, Any], status: int) -> dict[str, Any]:
    """The mapper of Envoy's own ``status`` answers."""
    mappers = _manager(config)["local_reply_config"]["mappers"]
    return next(
        m for m in mappers
        if m["filter"]["status_code_filter"]["comparison"]["value"]["default_value"] == status
    )  # fmt: skip


class TestRender:
    def test_clusters_routes_and_admin(self, tmp_path: Path) -> None:
        settings = _settings(tmp_path)
        config = render_config(settings)
        assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
        clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
        ports = [
            e["endpoint"]["address"]["socket_address"]["port_value"]
            for e in clusters["portfolio"]["load_assignment"]["endpoints"][0]["lb_endpoints"]
        ]
        assert ports == [9000, 9001, 9002]
        assert clusters["portfolio"]["lb_policy"] == "ROUND_ROBIN"
        check = clusters["portfolio"]["health_checks"][0]
        assert check["http_health_check"]["path"] == "/api/v1/health"
        assert (check["unhealthy_threshold"], check["healthy_threshold"]) == (2, 1)
        assert clusters["assets"]["outlier_detection"]["consecutive_gateway_failure"] == 2
        auth, keyed, routes = _routes(config)[:2], _routes(config)[2], _routes(config)[3:]
        assert [r["match"]["path"] for r in auth] == ["/api/v1/auth/login", "/api/v1/auth/register"]
        assert keyed["match"]["safe_regex"]["regex"] == KEYED_WRITES
        assert "reset" in keyed["route"]["retry_policy"]["retry_on"].split(",")
        assert [r["match"]["prefix"] for r in routes] == [
            "/api/v1/market/",
            "/api/v1/market/",
            "/api/v1/portfolio/stream",
            "/api/v1/portfolio/stream",
            "/api/",
            "/api/",
            "/",
            "/",
        ]
        assert {r["route"]["cluster"] for r in routes[:2]} == {"assets"}
        assert routes[2]["route"]["timeout"] == "0s"
        idempotent, any_method = routes[6], routes[7]
        assert idempotent["match"]["headers"][0]["name"] == ":method"
        assert "reset" in idempotent["route"]["retry_policy"]["retry_on"].split(",")
        # a request of any method is retried only if it never reached a backend
        assert any_method["route"]["retry_policy"]["retry_on"].split(",") == [
            "connect-failure",
            "refused-stream",
            "reset-before-request",
        ]

    def test_bench_mode_adds_fixed_route_first(self, tmp_path: Path) -> None:
        routes = _routes(render_config(_settings(tmp_path), bench_mode=True))
        assert routes[0]["match"] == {"path": "/bench/fixed"}  # before every other route
        assert routes[0]["direct_response"]["status"] == 200

    def test_envoy_accepts_it(self, tmp_path: Path) -> None:
        path = tmp_path / "envoy.json"
        path.write_text(json.dumps(render_config(_settings(tmp_path), bench_mode=True)))
        result = envoy_server.validate(path)
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stdout + result.stderr


class Crashes:
    """How many POSTs the backends still drop, request read and no answer, as a killed instance
    does; and every POST any backend received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.remaining = 0
        self.received: list[str] = []

    def next_post_crashes(self, path: str) -> bool:
        with self.lock:
            self.received.append(path)
            crash, self.remaining = self.remaining > 0, max(self.remaining - 1, 0)
            return crash


def _backend(port: int, name: str, crashes: Crashes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self, status: int = 200) -> None:
            if self.path.endswith("/not-http"):  # an instance gone wrong: no HTTP answer
                self.wfile.write(b"\x00\x01 this is not an HTTP response\r\n\r\n")
                self.close_connection = True
                return
            body = json.dumps({"instance": name, "path": self.path}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if crashes.next_post_crashes(self.path):
                # RST instead of an answer: the connection breaks mid-request
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            self.do_GET(201)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def crashes() -> Crashes:
    return Crashes()


@pytest.fixture
def gateway(
    tmp_path: Path, crashes: Crashes
) -> Iterator[tuple[Settings, list[ThreadingHTTPServer]]]:
    first, asset = PORTS.run(2), PORTS.one()
    settings = _settings(tmp_path, portfolio_port=first, asset_port=asset, portfolio_instances=1)
    # a second portfolio instance right after the first, as portfolio_ports() lays them out
    backends = [
        _backend(first, "p1", crashes),
        _backend(first + 1, "p2", crashes),
        _backend(asset, "assets", crashes),
    ]
    settings = settings.model_copy(update={"portfolio_instances": 2})
    supervisor = Supervisor(tmp_path / "logs", report=lambda _: None)
    try:
        supervisor.start(envoy_server.spec(settings, bench_mode=True))
        yield settings, backends
    finally:
        supervisor.stop()
        for backend in backends:
            backend.shutdown()
            backend.server_close()


class TestThroughEnvoy:
    def test_round_robin_routes_and_headers(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]]
    ) -> None:
        settings, _ = gateway
        base = f"http://127.0.0.1:{settings.gateway_port}"
        with httpx.Client(base_url=base) as client:
            seen = {client.get("/api/v1/health").json()["instance"] for _ in range(10)}
            assert seen == {"p1", "p2"}
            market = client.get("/api/v1/market/quotes")
            assert market.json() == {"instance": "assets", "path": "/api/v1/market/quotes"}
            assert market.headers["x-content-type-options"] == "nosniff"
            assert market.headers["x-frame-options"] == "DENY"
            assert market.headers["referrer-policy"] == "no-referrer"
            assert client.get("/bench/fixed").text == "ok"
        admin = httpx.get(f"http://127.0.0.1:{settings.gateway_admin_port}/ready")
        assert admin.status_code == 200

    def test_keyed_write_is_retried_on_another_instance_when_one_dies_mid_request(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]], crashes: Crashes
    ) -> None:
        settings, _ = gateway
        base = f"http://127.0.0.1:{settings.gateway_port}"
        body = {"type": "BUY", "quantity": "1"}
        with httpx.Client(base_url=base, timeout=10) as client:
            crashes.remaining = 1
            keyed = client.post(
                "/api/v1/accounts/7/transactions", json=body, headers={"Idempotency-Key": "k-1"}
            )
            assert keyed.status_code == 201, keyed.text
            assert crashes.received == ["/api/v1/accounts/7/transactions"] * 2
            first_try = crashes.received[:]

            # the same write without a key might be applied twice: the client hears of the crash
            crashes.remaining = 1
            unkeyed = client.post("/api/v1/accounts/7/transactions", json=body)
            assert unkeyed.status_code == 503
            # and a keyed POST to a route that does not store keys is not repeated either
            crashes.remaining = 1
            other = client.post("/api/v1/accounts", json={}, headers={"Idempotency-Key": "k-2"})
            assert other.status_code == 503
        assert crashes.received[len(first_try) :] == [
            "/api/v1/accounts/7/transactions",
            "/api/v1/accounts",
        ]

    def test_its_own_503_says_retry_after_in_the_error_shape(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]], crashes: Crashes
    ) -> None:
        settings, backends = gateway
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}") as client:
            crashes.remaining = 1  # an instance dies with the (unkeyed) write in flight
            broken = client.post("/api/v1/accounts", json={})
            for backend in backends[:2]:  # then no instance at all
                backend.shutdown()
                backend.server_close()
            unreachable = client.get("/api/v1/health")
            answered = client.get("/api/v1/market/quotes")
        for answer in (broken, unreachable):
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "1"
            assert answer.headers["content-type"] == "application/json"
            assert answer.json() == UNAVAILABLE_BODY
        assert answered.status_code == 200
        assert "retry-after" not in answered.headers

    def test_its_own_502_and_504_are_in_the_error_shape(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]]
    ) -> None:
        settings, _ = gateway
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}") as client:
            answer = client.get("/api/v1/market/not-http")
        assert answer.status_code == 502, answer.text
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == BAD_GATEWAY_BODY
        # a 504 needs a 30 s wait: its mapper is the 502's, with its own body
        config = render_config(settings)
        timeout, bad = _local_reply(config, 504), _local_reply(config, 502)
        assert timeout["body_format_override"]["json_format"] == TIMEOUT_BODY
        assert timeout["headers_to_add"] == bad["headers_to_add"]


def _instance_of(client: httpx.Client, token: str, path: str = "/api/v1/health") -> str:
    answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["instance"])


class TestUsersPartitioned:
    """Two instances: user ids mod 2 name each caller's owner (p1 owns even ids, p2 odd)."""

    def test_each_caller_reaches_their_owner(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]]
    ) -> None:
        settings, _ = gateway
        even, odd = (issue_access_token(settings, user, "user") for user in (4, 7))
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}") as client:
            assert {_instance_of(client, even) for _ in range(10)} == {"p1"}
            assert {_instance_of(client, odd) for _ in range(10)} == {"p2"}
            # the live stream's token travels in the query string
            stream = client.get(f"/api/v1/portfolio/stream?access_token={odd}")
            assert stream.json()["instance"] == "p2"
            # a client cannot pick the cluster: the filter replaces the header
            forged = client.get(
                "/api/v1/health",
                headers={"Authorization": f"Bearer {even}", "x-pulsefolio-cluster": "assets"},
            )
            assert forged.json()["instance"] == "p1"
            # a personal token carries no user id: its requests stay on one instance
            script = "pf_" + "s3cr3t" * 6
            assert len({_instance_of(client, script) for _ in range(10)}) == 1
            # without a token, round-robin
            seen = {client.get("/api/v1/health").json()["instance"] for _ in range(10)}
            assert seen == {"p1", "p2"}

    def test_a_request_to_a_dead_owner_is_retried_on_another_instance_at_once(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]]
    ) -> None:
        settings, backends = gateway
        even = {"Authorization": f"Bearer {issue_access_token(settings, 4, 'user')}"}
        keyed = {**even, "Idempotency-Key": "k-1"}
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}") as client:
            assert _instance_of(client, even["Authorization"].split()[1]) == "p1"
            backends[0].shutdown()
            backends[0].server_close()
            # before the health checks notice (2 failures, 1 s apart), each request's retry
            # goes to the next priority of p1's cluster, so its second try reaches p2
            began = time.monotonic()
            answers = [client.get("/api/v1/health", headers=even) for _ in range(3)]
            answers.append(client.post("/api/v1/accounts/7/transactions", json={}, headers=keyed))
            elapsed = time.monotonic() - began
        assert [(a.status_code, a.json()["instance"]) for a in answers] == [
            (200, "p2"), (200, "p2"), (200, "p2"), (201, "p2"),
        ]  # fmt: skip
        assert elapsed < 1.0  # the owner was not yet taken out of its cluster

    def test_a_lost_owners_users_move_to_one_other_instance(
        self, gateway: tuple[Settings, list[ThreadingHTTPServer]]
    ) -> None:
        settings, backends = gateway
        even = issue_access_token(settings, 4, "user")
        with httpx.Client(base_url=f"http://127.0.0.1:{settings.gateway_port}") as client:
            assert _instance_of(client, even) == "p1"
            backends[0].shutdown()
            backends[0].server_close()
            deadline = time.monotonic() + 10
            answered: list[str] = []
            while time.monotonic() < deadline and answered[-5:] != ["p2"] * 5:
                response = client.get("/api/v1/health", headers={"Authorization": f"Bearer {even}"})
                if response.status_code == 200:
                    answered.append(response.json()["instance"])
                time.sleep(0.1)
            assert answered[-5:] == ["p2"] * 5, answered
