"""The stream contract, the same tests against each backend: NATS JetStream and Kafka (Tansu)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import suppress

import pytest

from pulsefolio.core.stream import Delivery, Outgoing, Stream, Topic, connect_stream


@pytest.fixture(params=["nats", "kafka"])
def stream_url(request: pytest.FixtureRequest) -> str:
    """The URL of each backend in turn; the tests below must not care which."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
async def stream(stream_url: str, stream_namespace: str) -> AsyncIterator[Stream]:
    connection = await connect_stream(stream_url, namespace=stream_namespace)
    yield connection
    await connection.close()


def message(key: str, n: int, topic: Topic = Topic.PRICES) -> Outgoing:
    return Outgoing(topic, key, f"{key}:{n}".encode(), dedup_id=f"{key}:{n}")


async def take(
    stream: Stream, count: int, *, consumer: str | None, from_start: bool = True
) -> list[Delivery]:
    """Consume until ``count`` deliveries arrived, then acknowledge them all.

    A batch is acknowledged when the next one is asked for, so the last one is acknowledged by
    asking once more and giving up after a moment (nothing else is published meanwhile).
    """
    received: list[Delivery] = []
    iterator = stream.consume(list(Topic), consumer=consumer, from_start=from_start)
    async with asyncio.timeout(10):
        async for batch in iterator:
            received.extend(batch)
            if len(received) >= count:
                break
    with suppress(TimeoutError):
        async with asyncio.timeout(0.5):
            received.extend(await anext(iterator))  # type: ignore[call-overload]
    await iterator.aclose()  # type: ignore[attr-defined]
    return received


class TestPublish:
    async def test_per_key_order_is_kept(self, stream: Stream) -> None:
        await stream.publish([message(key, n) for n in range(20) for key in ("A", "B")])
        got = await take(stream, 40, consumer=None)
        for key in ("A", "B"):
            assert [d.data for d in got if d.key == key] == [
                f"{key}:{n}".encode() for n in range(20)
            ]

    async def test_republished_messages_are_delivered_once(self, stream: Stream) -> None:
        batch = [message("A", n) for n in range(5)]
        assert await stream.publish(batch) == 5
        assert await stream.publish(batch) == 0
        await stream.publish([message("A", 99)])
        got = await take(stream, 6, consumer=None)
        assert [d.data for d in got] == [f"A:{n}".encode() for n in (0, 1, 2, 3, 4, 99)]


class TestConsume:
    async def test_named_consumer_resumes_after_restart(
        self, stream_url: str, stream_namespace: str
    ) -> None:
        first = await connect_stream(stream_url, namespace=stream_namespace)
        await first.publish([message("A", n) for n in range(3)])
        assert len(await take(first, 3, consumer="portfolio-1")) == 3
        await first.close()

        second = await connect_stream(stream_url, namespace=stream_namespace)
        await second.publish([message("A", n) for n in range(3, 5)])
        resumed = await take(second, 2, consumer="portfolio-1")
        await second.close()
        assert [d.data for d in resumed] == [b"A:3", b"A:4"]

    async def test_every_named_consumer_reads_every_message(self, stream: Stream) -> None:
        await stream.publish([message(key, 1) for key in ("A", "B", "C")])
        one = await take(stream, 3, consumer="portfolio-1")
        two = await take(stream, 3, consumer="portfolio-2")
        assert (
            sorted(d.data for d in one)
            == sorted(d.data for d in two)
            == [
                b"A:1",
                b"B:1",
                b"C:1",
            ]
        )

    async def test_late_consumer_replays_from_start(self, stream: Stream) -> None:
        await stream.publish([message("A", 1), message("7", 2, Topic.POSITIONS)])
        got = await take(stream, 2, consumer="late-joiner")
        # order is promised per key only, so compare as a set
        assert sorted((d.topic, d.data) for d in got) == [
            (Topic.POSITIONS, b"7:2"),
            (Topic.PRICES, b"A:1"),
        ]

    async def test_topic_filter_delivers_only_asked_topics(self, stream: Stream) -> None:
        await stream.publish([message("A", 1, Topic.FX), message("B", 2, Topic.PRICES)])
        iterator = stream.consume([Topic.PRICES], consumer=None, from_start=True)
        async with asyncio.timeout(10):
            batch = await anext(iterator)  # type: ignore[call-overload]
        await iterator.aclose()  # type: ignore[attr-defined]
        assert [(d.topic, d.key) for d in batch] == [(Topic.PRICES, "B")]

    async def test_health_reports_a_connected_stream(self, stream: Stream) -> None:
        assert await stream.healthy() is True
