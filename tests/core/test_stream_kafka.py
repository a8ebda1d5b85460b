"""What the Kafka backend does beyond the shared contract: topic creation from URL options,
de-duplication across producer sessions, redelivery of an unacknowledged batch.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from pulsefolio.core.stream import Delivery, Outgoing, Stream, Topic, connect_stream
from pulsefolio.core.stream.kafka import KafkaOptions


def with_options(url: str, **options: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return f"{url}{'&' if '?' in url else '?'}{query}"


def message(key: str, n: int) -> Outgoing:
    return Outgoing(Topic.PRICES, key, f"{key}:{n}".encode(), dedup_id=f"{key}:{n}")


async def first_batch(stream: Stream, consumer: str | None) -> list[Delivery]:
    """The first batch from the start, not acknowledged."""
    iterator = stream.consume([Topic.PRICES], consumer=consumer, from_start=True)
    async with asyncio.timeout(10):
        batch: list[Delivery] = await anext(iterator)  # type: ignore[call-overload]
    await iterator.aclose()  # type: ignore[attr-defined]
    return batch


async def everything(stream: Stream, quiet: float = 1.0) -> list[Delivery]:
    """All deliveries from the start, until nothing more comes for ``quiet`` seconds."""
    received: list[Delivery] = []
    iterator = stream.consume([Topic.PRICES], consumer=None, from_start=True)
    try:
        while True:
            async with asyncio.timeout(quiet):
                received.extend(await anext(iterator))  # type: ignore[call-overload]
    except TimeoutError:
        return received
    finally:
        await iterator.aclose()  # type: ignore[attr-defined]


class TestOptions:
    def test_hosts_and_options_are_read_from_the_url(self) -> None:
        options = KafkaOptions.from_url("kafka://a:9092,b:9093?partitions=12&idempotence=false")
        assert options.bootstrap == ("a:9092", "b:9093")
        assert (options.partitions, options.idempotence, options.retention_hours) == (
            12,
            False,
            168,
        )

    def test_an_unknown_option_is_refused(self) -> None:
        with pytest.raises(ValueError, match="partition"):
            KafkaOptions.from_url("kafka://a:9092?partition=3")


class TestTopics:
    async def test_missing_topics_are_created_with_partitions_and_retention(
        self, kafka_url: str, stream_namespace: str
    ) -> None:
        url = with_options(kafka_url, partitions=3, retention_hours=2)
        stream = await connect_stream(url, stream_namespace)
        await stream.close()
        admin = AIOKafkaAdminClient(bootstrap_servers=KafkaOptions.from_url(url).bootstrap[0])
        await admin.start()
        try:
            names = [f"{stream_namespace}.{t.value}" for t in Topic]
            described = await admin.describe_topics(names)
            configs = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, f"{stream_namespace}.prices")]
            )
        finally:
            await admin.close()
        assert [len(t["partitions"]) for t in described] == [3] * len(Topic)
        entries = dict(e[:2] for e in configs[0].resources[0][4])
        assert entries["retention.ms"] == str(2 * 3600 * 1000)


class TestDelivery:
    async def test_a_copy_from_another_producer_session_reaches_a_consumer_once(
        self, kafka_url: str, stream_namespace: str
    ) -> None:
        first = await connect_stream(kafka_url, stream_namespace)
        second = await connect_stream(kafka_url, stream_namespace)
        try:
            assert await first.publish([message("A", 1), message("A", 2)]) == 2
            # the second session cannot know: it counts the copy as new
            assert await second.publish([message("A", 1)]) == 1
            await second.publish([message("A", 3)])
            received = await everything(first)
        finally:
            await first.close()
            await second.close()
        assert [d.data for d in received] == [b"A:1", b"A:2", b"A:3"]

    async def test_an_unacknowledged_batch_is_delivered_again_after_restart(
        self, kafka_url: str, stream_namespace: str
    ) -> None:
        stream = await connect_stream(kafka_url, stream_namespace)
        try:
            await stream.publish([message("A", 1)])
            assert [d.data for d in await first_batch(stream, "restarting")] == [b"A:1"]
            assert [d.data for d in await first_batch(stream, "restarting")] == [b"A:1"]
        finally:
            await stream.close()
