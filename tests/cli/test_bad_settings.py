"""Settings that cannot work stop `up` at once: one line saying what and how, nothing left."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from pulsefolio.runtime.ports import free_port

from .stack import REPO, mentioning, platform_env, pulsefolio


def _up(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        pulsefolio("up"), env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def _assert_one_line_failure(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("pulsefolio:")]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]
    assert "Traceback" not in result.stderr


class TestBadSettings:
    def test_port_in_use(self, tmp_path: Path) -> None:
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            env = platform_env(tmp_path / "data", PULSEFOLIO_GATEWAY_PORT=str(port))
            result = _up(env)
        _assert_one_line_failure(result, f"port {port}", "PULSEFOLIO_GATEWAY_PORT")
        assert not mentioning(str(tmp_path))
        assert not (tmp_path / "data" / "run" / "up.json").exists()

    def test_data_dir_not_writable(self, tmp_path: Path) -> None:
        blocker = tmp_path / "a-file"
        blocker.write_text("")
        result = _up(platform_env(blocker / "data"))
        _assert_one_line_failure(result, "not writable", "--data-dir")
        assert not mentioning(str(tmp_path))

    @pytest.mark.parametrize("key", ["REDIS_URL", "DATABASE_URL", "NATS_URL"])
    def test_external_url_unreachable(self, tmp_path: Path, key: str) -> None:
        scheme = {"REDIS_URL": "redis", "DATABASE_URL": "postgresql", "NATS_URL": "nats"}[key]
        url = f"{scheme}://127.0.0.1:{free_port()}"
        result = _up(platform_env(tmp_path / "data", **{f"PULSEFOLIO_{key}": url}))
        _assert_one_line_failure(result, f"PULSEFOLIO_{key}", "unreachable")
        assert not mentioning(str(tmp_path))
        assert not (tmp_path / "data" / "postgres").exists()
