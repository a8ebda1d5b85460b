"""``pulsefolio up --stream kafka``: the platform on the embedded Kafka-protocol broker (Tansu)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from .stack import platform_env, running_up, wait_ready

pytestmark = pytest.mark.stack


def test_up_with_kafka_starts_tansu_and_the_stream_is_healthy(
    tmp_path: Path, reachable_tmp_path: Path
) -> None:
    data_dir = reachable_tmp_path / "data"
    env = platform_env(data_dir, "KAFKA_PORT")
    log = tmp_path / "up.log"
    with running_up(env, log, "--stream", "kafka") as up:
        ready = wait_ready(data_dir, up, log)
        assert "tansu" in ready["components"] and "nats" not in ready["components"]
        assert ready["nats_url"].startswith(f"kafka://127.0.0.1:{env['PULSEFOLIO_KAFKA_PORT']}")
        assert "memory storage only" in log.read_text()
        health = httpx.get(f"{ready['gateway_url']}/api/v1/health", timeout=5).json()
        assert (health["database"], health["cache"], health["stream"]) == ("ok", "ok", "ok")
