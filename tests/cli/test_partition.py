"""Users partitioned over two instances of a running platform: each caller is served by their
owner, and by the other instance while the owner does not answer."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from pulsefolio.core.partition import owner_of

from .stack import platform_env, running_up, wait_ready

pytestmark = pytest.mark.stack


def _served_by(client: httpx.Client, headers: dict[str, str]) -> tuple[str, str]:
    """The instance answering the caller's health check, and the caller's portfolio total."""
    health = client.get("/api/v1/health", headers=headers)
    portfolio = client.get("/api/v1/portfolio", headers=headers)
    assert portfolio.status_code == 200, portfolio.text
    return str(health.json()["instance"]), str(portfolio.json()["total_value"])


def _until(client: httpx.Client, headers: dict[str, str], instance: str) -> tuple[str, str]:
    deadline = time.monotonic() + 20
    while True:
        try:
            seen = _served_by(client, headers)
            if seen[0] == instance:
                return seen
        except (httpx.HTTPError, AssertionError):
            pass
        assert time.monotonic() < deadline, f"never served by {instance}"
        time.sleep(0.2)


def test_callers_reach_their_owner_and_the_other_instance_while_it_is_down(
    tmp_path: Path, reachable_tmp_path: Path
) -> None:
    data_dir, log = reachable_tmp_path / "data", tmp_path / "up.log"
    with running_up(platform_env(data_dir), log) as up:
        ready: dict[str, Any] = wait_ready(data_dir, up, log)
        client = httpx.Client(base_url=ready["gateway_url"], timeout=5)
        login = client.post(
            "/api/v1/auth/login",
            json={"email": ready["demo_email"], "password": ready["demo_password"]},
        )
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        user = int(client.get("/api/v1/me", headers=headers).json()["id"])
        owner = f"portfolio-{owner_of(user, 2) + 1}"
        other = ({"portfolio-1", "portfolio-2"} - {owner}).pop()
        answers = {_served_by(client, headers) for _ in range(10)}
        assert len(answers) == 1 and next(iter(answers))[0] == owner
        total = next(iter(answers))[1]

        pid = ready["components"][owner]["pid"]
        os.kill(pid, signal.SIGSTOP)  # alive but not answering: the supervisor leaves it be
        try:
            assert _until(client, headers, other) == (other, total)
        finally:
            os.kill(pid, signal.SIGCONT)
        assert _until(client, headers, owner) == (owner, total)
        client.close()
