"""Helpers to run ``pulsefolio`` as a subprocess on a private data directory and free ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import pytest

from pulsefolio.runtime.ports import PortPicker

REPO = Path(__file__).resolve().parents[2]
PORT_KEYS = (
    "GATEWAY_PORT",
    "GATEWAY_ADMIN_PORT",
    "ASSET_PORT",
    "POSTGRES_PORT",
    "REDIS_PORT",
    "NATS_PORT",
    "NATS_MONITOR_PORT",
)


def platform_env(data_dir: Path, *more_ports: str, **extra: str) -> dict[str, str]:
    """The environment of a ``pulsefolio`` run: a small demo seed and every port free and distinct.

    ``more_ports`` names further port settings to pick (``"KAFKA_PORT"``); ``extra`` sets
    variables as given.
    """
    picker = PortPicker()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
    env.update({f"PULSEFOLIO_{key}": str(picker.one()) for key in (*PORT_KEYS, *more_ports)})
    env["PULSEFOLIO_PORTFOLIO_PORT"] = str(picker.run(2))
    env["PULSEFOLIO_DATA_DIR"] = str(data_dir)
    env["PULSEFOLIO_DEMO_USERS"] = "3"
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def pulsefolio(*args: str) -> list[str]:
    return [sys.executable, "-m", "pulsefolio.cli.main", *args]


def start_up(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    """``pulsefolio up ARGS`` in the background, its output appended to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            pulsefolio("up", *args), env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )


@contextmanager
def running_up(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``pulsefolio up ARGS`` for the block; it must then stop cleanly on SIGTERM.

    If the block fails, its error is what the test reports, not the stop's.
    """
    up = start_up(env, log, *args)
    try:
        yield up
    except BaseException:
        up.terminate()
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
        raise
    up.terminate()
    assert up.wait(timeout=60) == 0, log.read_text() + _service_logs(env)


def _service_logs(env: dict[str, str]) -> str:
    """The tail of each supervised process's log, to explain an unclean stop."""
    logs = Path(env["PULSEFOLIO_DATA_DIR"]) / "logs"
    return "".join(
        f"\n--- {path.name}\n{path.read_text()[-3000:]}" for path in sorted(logs.glob("*.log"))
    )


def wait_ready(data_dir: Path, up: subprocess.Popen[bytes], log: Path) -> dict[str, Any]:
    """ready.json once `up` wrote it; fails with `up`'s output if it exits or takes too long."""
    deadline = time.monotonic() + 120
    path = data_dir / "ready.json"
    while (read_json(path) or {}).get("up_pid") != up.pid:
        if up.poll() is not None:
            pytest.fail(f"up exited with {up.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"up not ready in time:\n{log.read_text()}")
        time.sleep(0.2)
    return read_json(path)  # type: ignore[no-any-return]


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def family(pid: int) -> list[psutil.Process]:
    """``pid`` and all its descendants."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def live(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (zombies waiting for init to reap them do not count)."""
    out = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                out.append(process)
        except psutil.Error:
            continue
    return out


def mentioning(text: str) -> list[psutil.Process]:
    """Live processes whose command line mentions ``text`` (e.g. a data directory)."""
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            environ = process.info["environ"] or {}
        except psutil.Error:
            continue
        if (text in cmdline or environ.get("PULSEFOLIO_DATA_DIR") == text) and live([process]):
            found.append(process)
    return found
