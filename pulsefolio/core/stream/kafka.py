"""The stream on Kafka (or any Kafka-protocol broker: Redpanda, Tansu), through aiokafka.

URL: ``kafka://host:port[,host:port][?partitions=6&replication=1&retention_hours=168
&idempotence=true]``. One topic per :class:`Topic`, named ``{namespace}.{topic}``, created at
connect if missing with that partition count, replication factor and ``retention.ms``; an
existing topic is left as it is.

How the contract's guarantees are kept:

- **Per-key order.** The key is the Kafka message key, so the default partitioner (murmur2)
  puts one asset's updates in one partition, which Kafka keeps in order; the producer has at
  most one batch in flight per partition, so a retry cannot overtake.
- **Durable publish.** ``acks="all"``: a send returns once every in-sync replica has it. The
  producer is idempotent (``enable_idempotence``), so its own retries are not written twice;
  ``idempotence=false`` turns that off for brokers without idempotent producers (Tansu
  rejects aiokafka's ``InitProducerId`` request).
- **Delivered once.** Kafka has no de-duplication by message id, so ``dedup_id`` rides in a
  header and both ends drop what they have recently seen: ``publish`` skips ids this connection
  already published (the last ``_RECENT`` of them) and counts only what it sent, so its answer
  is "new to this connection"; a consumer drops ids it delivered in the same session (the
  last ``_RECENT``). A duplicate published by another producer session reaches a consumer that
  restarted between the two copies: at-least-once, as the contract's consumers already allow.
- **Fan-out and resume.** A named consumer is its own consumer group with every partition
  assigned by hand (no group rebalancing; each name reads everything). Offsets are committed
  to the group when the next batch is asked for, so a restart resumes after the last batch
  acknowledged; with no committed offset it starts at the beginning, as on NATS.
- **Late consumers.** ``consumer=None`` has no group and starts at the current end, or at the
  beginning with ``from_start``; what the beginning holds is bounded by the retention.

``Delivery.sequence`` is the offset within the message's partition.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from pulsefolio.core.stream import Delivery, Outgoing, Stream, Topic

_DEDUP = "pf-dedup"
_RECENT = 100_000
_TOPIC_EXISTS = 36


@dataclass(frozen=True)
class KafkaOptions:
    """Where the brokers are and how missing topics are created."""

    bootstrap: tuple[str, ...]
    partitions: int = 6
    replication: int = 1
    retention_hours: int = 7 * 24
    idempotence: bool = True

    @classmethod
    def from_url(cls, url: str) -> KafkaOptions:
        """Parse ``kafka://host:port[,host:port][?option=value...]``; raise ValueError."""
        parts = urlsplit(url)
        hosts = tuple(h for h in parts.netloc.split(",") if h)
        if parts.scheme != "kafka" or not hosts:
            raise ValueError(f"not a Kafka URL: {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        unknown = set(query) - {"partitions", "replication", "retention_hours", "idempotence"}
        if unknown:
            raise ValueError(f"unknown Kafka URL options: {', '.join(sorted(unknown))}")
        return cls(
            bootstrap=hosts,
            partitions=int(query.get("partitions", cls.partitions)),
            replication=int(query.get("replication", cls.replication)),
            retention_hours=int(query.get("retention_hours", cls.retention_hours)),
            idempotence=query.get("idempotence", "true").lower() not in ("false", "0", "no"),
        )


class _Recent:
    """A bounded set that forgets the oldest entry first."""

    def __init__(self, size: int = _RECENT) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, item: str) -> bool:
        return item in self._seen

    def add(self, item: str) -> None:
        self._seen[item] = None
        self._seen.move_to_end(item)
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)


class KafkaStream(Stream):
    def __init__(
        self,
        options: KafkaOptions,
        namespace: str,
        producer: AIOKafkaProducer,
        admin: AIOKafkaAdminClient,
    ) -> None:
        self._options = options
        self._namespace = namespace
        self._producer = producer
        self._admin = admin
        self._published = _Recent()

    @classmethod
    async def connect(cls, url: str, namespace: str) -> KafkaStream:
        """Connect, create missing topics; raise ValueError for a bad URL, KafkaError if down."""
        options = KafkaOptions.from_url(url)
        servers = list(options.bootstrap)
        admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=5000)
        producer = AIOKafkaProducer(
            bootstrap_servers=servers,
            acks="all",
            enable_idempotence=options.idempotence,
            linger_ms=5,
            request_timeout_ms=10000,
        )
        await admin.start()
        try:
            await producer.start()
        except BaseException:
            await admin.close()
            raise
        stream = cls(options, namespace, producer, admin)
        try:
            await stream._ensure_topics()
        except BaseException:
            await stream.close()
            raise
        return stream

    def _name(self, topic: Topic) -> str:
        return f"{self._namespace}.{topic.value}"

    async def _ensure_topics(self) -> None:
        o = self._options
        retention = {"retention.ms": str(o.retention_hours * 3600 * 1000)}
        existing = set(await self._admin.list_topics())
        missing = [
            NewTopic(self._name(t), o.partitions, o.replication, topic_configs=retention)
            for t in Topic
            if self._name(t) not in existing
        ]
        if not missing:
            return
        response = await self._admin.create_topics(missing)
        for name, code, message in (e[:3] for e in response.topic_errors):
            if code not in (0, _TOPIC_EXISTS):  # another instance may have just created it
                raise KafkaError(f"creating topic {name}: error {code} {message}")

    async def publish(self, messages: Sequence[Outgoing]) -> int:
        fresh: list[Outgoing] = []
        ids: set[str] = set()
        for m in messages:
            if m.dedup_id not in self._published and m.dedup_id not in ids:
                ids.add(m.dedup_id)
                fresh.append(m)
        sends = [
            await self._producer.send(
                self._name(m.topic),
                m.data,
                key=m.key.encode(),
                headers=[(_DEDUP, m.dedup_id.encode())],
            )
            for m in fresh
        ]
        await asyncio.gather(*sends)
        for m in fresh:
            self._published.add(m.dedup_id)
        return len(fresh)

    async def _partitions(self, names: Sequence[str]) -> list[TopicPartition]:
        described = await self._admin.describe_topics(list(names))
        return [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            for partition in topic["partitions"]
        ]

    async def consume(
        self, topics: Sequence[Topic], *, consumer: str | None, from_start: bool = False
    ) -> AsyncIterator[list[Delivery]]:
        by_name = {self._name(t): t for t in dict.fromkeys(topics)}
        client = AIOKafkaConsumer(
            bootstrap_servers=list(self._options.bootstrap),
            group_id=consumer,
            enable_auto_commit=False,
            auto_offset_reset="earliest" if (from_start or consumer) else "latest",
        )
        await client.start()
        try:
            partitions = await self._partitions(list(by_name))
            client.assign(partitions)
            if consumer is None:  # fix the starting point now, not at the first fetch
                start = await (
                    client.beginning_offsets(partitions)
                    if from_start
                    else client.end_offsets(partitions)
                )
                for tp, offset in start.items():
                    client.seek(tp, offset)
            seen = _Recent()
            while True:
                fetched = await client.getmany(timeout_ms=1000, max_records=1024)
                batch: list[Delivery] = []
                done: dict[TopicPartition, int] = {}
                for tp, records in fetched.items():
                    for record in records:
                        done[tp] = record.offset + 1
                        dedup = dict(record.headers).get(_DEDUP, b"").decode()
                        if dedup and dedup in seen:
                            continue
                        if dedup:
                            seen.add(dedup)
                        batch.append(
                            Delivery(
                                topic=by_name[tp.topic],
                                key=(record.key or b"").decode(),
                                data=record.value or b"",
                                sequence=record.offset,
                            )
                        )
                if batch:
                    yield batch
                if consumer is not None and done:
                    await client.commit(done)
        finally:
            await client.stop()

    async def healthy(self) -> bool:
        try:
            names = set(await asyncio.wait_for(self._admin.list_topics(), 2.0))
        except Exception:  # any failure to answer means not healthy
            return False
        return all(self._name(t) in names for t in Topic)

    async def close(self) -> None:
        try:
            await self._producer.stop()
        finally:
            await self._admin.close()
