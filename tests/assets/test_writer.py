"""NATS down: the cycle still writes cache and history, keeps its messages, and catches up."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sysconfig
from pathlib import Path

from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.core.domain import AssetClass
from pulsefolio.core.stream import Delivery, Stream, Topic, connect_stream

NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_nats(store: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(NATS_SERVER), "-js", "-sd", str(store), "-p", str(port), "-a", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def _until(predicate, within: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def _messages(stream: Stream, topic: Topic, expect: int) -> list[Delivery]:
    found: list[Delivery] = []

    async def read() -> None:
        async for batch in stream.consume([topic], consumer=None, from_start=True):
            found.extend(batch)
            if len(found) >= expect:
                await asyncio.sleep(0.3)  # and a moment for any extra copy to show up
                return

    await asyncio.wait_for(read(), 10)
    return found


class TestOutbox:
    async def test_stream_down_then_catch_up(
        self, tmp_path, settings, market, clock, engine, cache, seed, stream_namespace
    ) -> None:  # type: ignore[no-untyped-def]
        await seed([("AAPL", "USD", AssetClass.STOCK, []), ("SAP", "EUR", AssetClass.STOCK, [])])
        port, store = _free_port(), tmp_path / "js"
        server = _start_nats(store, port)
        try:
            await asyncio.sleep(0.5)
            stream = await connect_stream(f"nats://127.0.0.1:{port}", stream_namespace)
            loop = RefreshLoop(settings, {"simulated": market}, engine, cache, stream,
                               publish_timeout=1.0)  # fmt: skip
            first = await loop.run_once()
            assert first.published == 2 + first.changed_fx and first.outbox_pending == 0

            server.kill()
            server.wait()
            clock.advance(60)
            down = await loop.run_once()
            assert down.published == 0 and down.changed_prices == 2
            assert down.outbox_pending == 2 + down.changed_fx
            assert (await cache.get_prices())["AAPL"].as_of == clock.now.replace(second=0)

            server = _start_nats(store, port)
            await _until(stream.healthy)
            clock.advance(60)
            back = await loop.run_once()
            assert back.outbox_pending == 0
            prices = await _messages(stream, Topic.PRICES, 6)
            assert sorted(m.key for m in prices) == ["AAPL"] * 3 + ["SAP"] * 3
            assert len({m.data for m in prices}) == 6  # three cycles, each message once
            await stream.close()
        finally:
            server.kill()
            server.wait()
