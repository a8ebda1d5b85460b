"""SIGKILL of a portfolio-service instance under load.

The gateway's health checks take the dead instance out of rotation within a few seconds (the
requests that fail do so only in that window, and the load's writes retry through it), no
acknowledged write is lost, and the supervisor starts the instance again, which then serves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest

from tests.reliability.load import Stack, steady_load, until

pytestmark = pytest.mark.stack


async def _admin_says_failed(stack: Stack, port: int) -> bool:
    admin = f"http://127.0.0.1:{stack.env['PULSEFOLIO_GATEWAY_ADMIN_PORT']}"
    async with httpx.AsyncClient(base_url=admin, timeout=5) as client:
        text = (await client.get("/clusters")).text
    flags = [line for line in text.splitlines() if f":{port}::health_flags::" in line]
    return bool(flags) and "failed" in flags[0]


async def test_killed_instance_is_routed_around_and_restarted(stack: Stack) -> None:
    name = "portfolio-1"
    port, faults = stack.port(name), stack.faults
    async with steady_load(stack) as load:
        await asyncio.sleep(2)
        old_pid = faults.pid(name)
        os.kill(old_pid, signal.SIGKILL)
        killed = time.monotonic()
        ejected = await until(lambda: _admin_says_failed(stack, port), within=10)
        assert ejected < 5, f"gateway kept the dead instance for {ejected:.1f} s"
        restarted = await faults.wait_new_pid(name, old_pid, within=30)
        assert restarted is not None, "the supervisor did not restart the instance"

        async def serves() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    answer = await client.get(f"http://127.0.0.1:{port}/api/v1/health")
                return answer.status_code == 200
            except httpx.HTTPError:
                return False

        await until(serves, within=60)
        await until(lambda: _back_in_rotation(stack, port), within=15)
        acked_before = len(load.stats.acked)
        await asyncio.sleep(2)
        assert len(load.stats.acked) > acked_before  # writes flow with both instances back
    late = [t - killed for t in load.stats.failed_at if t - killed > 5]
    assert not late, f"requests still failed {late[:5]} s after the kill"


async def _back_in_rotation(stack: Stack, port: int) -> bool:
    return not await _admin_says_failed(stack, port)
