"""``python -m pulsefolio.portfolio`` on its own, as each host of a multi-host deployment runs it:
unless told otherwise, the instance calls itself ``<hostname>-<port>``."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from pulsefolio.runtime.ports import PortPicker

REPO = Path(__file__).resolve().parents[2]


async def test_a_standalone_instance_is_named_after_its_host_and_port(
    tmp_path: Path, database_url: str, redis_url: str, nats_url: str, stream_namespace: str
) -> None:
    port = PortPicker().one()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
    env.update(
        PULSEFOLIO_DATA_DIR=str(tmp_path),
        PULSEFOLIO_DATABASE_URL=database_url,
        PULSEFOLIO_REDIS_URL=redis_url,
        PULSEFOLIO_NATS_URL=nats_url,
        PULSEFOLIO_NAMESPACE=stream_namespace,
        PULSEFOLIO_SECRET_KEY="standalone-instance-secret-0123456789abcdef",
        PYTHONPATH=str(REPO),
    )
    log = (tmp_path / "portfolio.log").open("wb")
    service = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "pulsefolio.portfolio", "--port", str(port)),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while True:
                assert service.returncode is None, (tmp_path / "portfolio.log").read_text()
                try:
                    answer = await client.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the instance did not start in time"
                    await asyncio.sleep(0.3)
        assert answer.json()["instance"] == f"{socket.gethostname()}-{port}"
    finally:
        service.terminate()
        await asyncio.wait_for(service.wait(), 30)
        log.close()
