"""One fetcher among several asset-service processes, and a takeover when it dies."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from pulsefolio.assets.lease import AdvisoryLease
from pulsefolio.core.domain import AssetClass
from pulsefolio.runtime.ports import PortPicker

INTERVAL = 1.0


class TestAdvisoryLease:
    async def test_one_holder_at_a_time(self, database_url: str, stream_namespace: str) -> None:
        first = AdvisoryLease(database_url, stream_namespace)
        second = AdvisoryLease(database_url, stream_namespace)
        other = AdvisoryLease(database_url, stream_namespace + "x")
        try:
            assert await first.acquire() and await first.acquire()  # kept, not re-taken
            assert not await second.acquire()
            assert await other.acquire()  # another namespace, another lock
            await first.release()
            assert await second.acquire()
        finally:
            for lease in (first, second, other):
                await lease.release()


def _spawn(settings, port: int, log: Path) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    env = dict(os.environ)
    env.update({
        "PULSEFOLIO_DATABASE_URL": settings.database_url,
        "PULSEFOLIO_REDIS_URL": settings.redis_url,
        "PULSEFOLIO_NATS_URL": settings.nats_url,
        "PULSEFOLIO_NAMESPACE": settings.namespace,
        "PULSEFOLIO_DATA_DIR": str(settings.data_dir),
        "PULSEFOLIO_REFRESH_INTERVAL": str(INTERVAL),
        "PULSEFOLIO_SECRET_KEY": "k" * 40,
        "PULSEFOLIO_LOG_LEVEL": "WARNING",
    })  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pulsefolio.assets", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


async def _status(client: httpx.AsyncClient, port: int) -> dict | None:  # type: ignore[type-arg]
    try:
        answer = await client.get(f"http://127.0.0.1:{port}/api/v1/market/sources")
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


class TestTakeover:
    async def test_killed_fetcher_is_replaced_within_one_interval(
        self, settings, seed, tmp_path
    ) -> None:  # type: ignore[no-untyped-def]
        await seed([("AAPL", "USD", AssetClass.STOCK, [])])
        picker = PortPicker()
        ports = [picker.one(), picker.one()]
        procs = {port: _spawn(settings, port, tmp_path / f"{port}.log") for port in ports}
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                deadline = time.monotonic() + 40
                statuses: dict[int, dict] = {}  # type: ignore[type-arg]
                while len(statuses) < 2 or not any(s["leader"] for s in statuses.values()):
                    assert time.monotonic() < deadline, "services did not come up"
                    for port in ports:
                        found = await _status(client, port)
                        if found is not None:
                            statuses[port] = found
                    await asyncio.sleep(0.2)
                leaders = [port for port, s in statuses.items() if s["leader"]]
                assert len(leaders) == 1
                leader, follower = leaders[0], next(p for p in ports if p != leaders[0])
                # While both live, every cycle is the leader's.
                pids = set()
                for _ in range(8):
                    cycle = (await _status(client, follower))["cycle"]  # type: ignore[index]
                    if cycle:
                        pids.add(cycle["pid"])
                    await asyncio.sleep(0.25)
                assert pids == {procs[leader].pid}

                os.killpg(procs[leader].pid, signal.SIGKILL)
                procs[leader].wait()
                killed = time.monotonic()
                while True:
                    status = await _status(client, follower)
                    assert status is not None
                    if status["leader"] and status["cycle"]["pid"] == procs[follower].pid:
                        break
                    assert time.monotonic() - killed < INTERVAL + 2.0, "no takeover in time"
                    await asyncio.sleep(0.05)
                # Takeover means one interval at most, plus one cycle and a scrape.
                assert time.monotonic() - killed <= INTERVAL + 2.0
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=15)
