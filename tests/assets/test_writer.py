"""The durable outbox: NATS down or a crash while it is down, on both stream backends.

The cycle still writes cache and history, keeps its messages in ``stream_outbox`` and the relay
sends them when the stream is back; a process that dies with messages waiting sends them from
its successor's relay at start-up.
"""

from __future__ import annotations

import asyncio
import subprocess
import sysconfig
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pulsefolio.assets import outbox
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.assets.writer import PriceWriter
from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.domain import AssetClass, PriceQuote
from pulsefolio.core.events import decode_quote
from pulsefolio.core.stream import Delivery, Stream, Topic, connect_stream
from pulsefolio.runtime.ports import free_port

NATS_SERVER = Path(sysconfig.get_path("scripts")) / "nats-server"


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


async def _empty(engine) -> bool:  # type: ignore[no-untyped-def]
    return await outbox.pending(engine) == 0


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
        port, store = free_port(), tmp_path / "js"
        server = _start_nats(store, port)
        try:
            await asyncio.sleep(0.5)
            stream = await connect_stream(f"nats://127.0.0.1:{port}", stream_namespace)
            # a publish waits for its ack this long: with the server down, that long per cycle,
            # and enough for a loaded machine once it is back
            loop = RefreshLoop(settings, {"simulated": market}, engine, cache, stream,
                               publish_timeout=5.0)  # fmt: skip
            first = await loop.run_once()
            assert first.published == 2 + first.changed_fx and first.outbox_pending == 0

            server.kill()
            server.wait()
            clock.advance(60)
            down = await loop.run_once()
            assert down.published == 0 and down.changed_prices == 2
            assert down.outbox_pending == 2 + down.changed_fx
            assert (await cache.get_prices())["AAPL"].as_of == clock.now.replace(second=0)

            assert await outbox.pending(engine) == down.outbox_pending

            server = _start_nats(store, port)
            await _until(stream.healthy)
            async with loop.writer.relay.running():
                await _until(lambda: _empty(engine))
            clock.advance(60)
            back = await loop.run_once()
            assert back.outbox_pending == 0 and back.published == 2 + back.changed_fx
            prices = await _messages(stream, Topic.PRICES, 6)
            assert sorted(m.key for m in prices) == ["AAPL"] * 3 + ["SAP"] * 3
            assert len({m.data for m in prices}) == 6  # three cycles, each message once
            await stream.close()
        finally:
            server.kill()
            server.wait()


@pytest.fixture(params=["nats", "kafka"])
def backend_url(request, nats_url: str) -> str:  # type: ignore[no-untyped-def]
    return nats_url if request.param == "nats" else request.getfixturevalue("kafka_url")


class TestCrashWhileStreamDown:
    async def test_the_next_process_sends_what_the_dead_one_stored(
        self, backend_url, settings, market, engine, cache, seed, stream_namespace
    ) -> None:  # type: ignore[no-untyped-def]
        seeded = await seed([("AAPL", "USD", AssetClass.STOCK, [])])
        dead = await connect_stream(backend_url, stream_namespace)
        await dead.close()  # its stream is gone: every publish fails
        writer = PriceWriter(engine, cache, dead, publish_timeout=1.0)
        quotes = [_quote("AAPL", minute) for minute in (1, 2)]
        report = await writer.write(seeded.ids, quotes, [])
        assert (report.history_rows, report.published, report.pending) == (2, 0, 2)
        assert writer.relay.down
        # the process dies here; its successor starts its relay on a working stream
        stream = await connect_stream(backend_url, stream_namespace)
        try:
            successor = PriceWriter(engine, cache, stream)
            async with successor.relay.running():
                await _until(lambda: _empty(engine))
            received = await _messages(stream, Topic.PRICES, 2)
        finally:
            await stream.close()
        assert [decode_quote(m.data).price for m in received] == [q.price for q in quotes]

    async def test_a_batch_stored_twice_is_kept_once(self, engine, cache, seed, stream) -> None:  # type: ignore[no-untyped-def]
        seeded = await seed([("AAPL", "USD", AssetClass.STOCK, [])])
        writer = PriceWriter(engine, cache, stream)
        quotes = [_quote("AAPL", 1)]
        first = await writer.write(seeded.ids, quotes, [])
        again = await writer.write(seeded.ids, quotes, [])
        assert (first.history_rows, first.published, first.pending) == (1, 1, 0)
        assert (again.history_rows, again.published, again.pending) == (0, 0, 0)


def _quote(symbol: str, minute: int) -> PriceQuote:
    moment = datetime(2026, 1, 5, 15, minute, tzinfo=UTC)
    return PriceQuote(symbol, Decimal(100 + minute), "USD", moment, moment, "manual")


class TestCacheDown:
    async def test_history_and_stream_take_the_batch_without_redis(
        self, engine, seed, stream, stream_namespace
    ) -> None:  # type: ignore[no-untyped-def]
        seeded = await seed([("AAPL", "USD", AssetClass.STOCK, [])])
        dead = connect_redis(f"redis://127.0.0.1:{free_port()}/0")
        try:
            writer = PriceWriter(engine, PriceCache(dead, stream_namespace), stream)
            report = await writer.write(seeded.ids, [_quote("AAPL", 3)], [])
        finally:
            await dead.aclose()
        assert (report.history_rows, report.changed_prices, report.published) == (1, ["AAPL"], 1)
        assert report.pending == 0
        [message] = await _messages(stream, Topic.PRICES, 1)
        assert decode_quote(message.data).price == Decimal(103)
