"""``pulsefolio up`` as a user runs it: the whole platform on a private data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from .stack import (
    REPO,
    family,
    live,
    platform_env,
    pulsefolio,
    start_up,
    wait_ready,
)

pytestmark = pytest.mark.stack


def _instances(client: httpx.Client, count: int) -> list[str]:
    answers = []
    for _ in range(count):
        response = client.get("/api/v1/health")
        assert response.status_code == 200, response.text
        answers.append(response.json()["instance"])
    return answers


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pulsefolio(*args), env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_up_balances_survives_kills_and_stops_clean(
    tmp_path: Path, reachable_tmp_path: Path
) -> None:
    data_dir = reachable_tmp_path / "data"
    env = platform_env(data_dir)
    log = tmp_path / "up.log"
    up = start_up(env, log)
    try:
        ready = wait_ready(data_dir, up, log)
        components = ready["components"]
        assert {
            "postgres",
            "redis",
            "nats",
            "assets",
            "portfolio-1",
            "portfolio-2",
            "envoy",
        } <= set(components)
        assert ready["demo_password"] == (data_dir / "demo-password").read_text().strip()
        assert (data_dir / "ready.json").stat().st_mode & 0o777 == 0o600  # holds passwords
        processes = family(up.pid)
        client = httpx.Client(base_url=ready["gateway_url"], timeout=5)

        # both instances answer through the gateway, every dependency healthy
        assert set(_instances(client, 20)) == {"portfolio-1", "portfolio-2"}
        health = client.get("/api/v1/health").json()
        assert (health["database"], health["cache"], health["stream"]) == ("ok", "ok", "ok")

        # one instance dies: the gateway keeps answering, the supervisor restarts it
        killed = components["portfolio-1"]["pid"]
        os.kill(killed, signal.SIGKILL)
        deadline = time.monotonic() + 30
        seen: set[str] = set()
        restarted = False
        while not (restarted and "portfolio-1" in seen):
            assert time.monotonic() < deadline, log.read_text()
            seen |= set(_instances(client, 4))
            if "portfolio-1" not in seen:
                seen.clear()
            ready = wait_ready(data_dir, up, log)
            restarted = ready["components"]["portfolio-1"]["pid"] != killed
            time.sleep(0.1)
        assert "killed by SIGKILL; restarting" in log.read_text()
        processes += family(up.pid)

        status = _run(env, "status")
        assert status.returncode == 0
        assert "portfolio-1" in status.stdout and "healthy" in status.stdout

        # `up` itself crashes: the next `up` cleans up what it left and finds its data again
        password = ready["demo_password"]
        up.kill()
        up.wait()
        assert live(processes)  # the servers outlived their parent, as a crash leaves them
        up = start_up(env, log)
        ready = wait_ready(data_dir, up, log)
        assert ready["demo_password"] == password
        assert set(_instances(client, 10)) == {"portfolio-1", "portfolio-2"}
        assert not [p for p in live(processes) if p.pid != up.pid]
        processes = family(up.pid)

        # `down` from another terminal sends SIGTERM and waits until all is gone
        down = _run(env, "down")
        assert down.returncode == 0, down.stderr
        assert up.wait(timeout=30) == 0
        assert not live(processes)
        assert not (data_dir / "ready.json").exists()
        assert "stopping postgres" in log.read_text()
        client.close()
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGTERM)
            up.wait(timeout=60)
