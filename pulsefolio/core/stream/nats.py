"""The stream on NATS JetStream.

One JetStream stream per namespace (file storage) with a subject per topic, ``{ns}.prices`` and
so on; the message key rides in a header. JetStream's ``Nats-Msg-Id`` de-duplication (window:
one day) drops re-published messages. A named consumer is a durable pull consumer, so it resumes
from its last acknowledgement after a restart.

The URL may list several servers of one cluster (``nats://a:4222,nats://b:4222``): the client
connects to any of them and moves to another when its server goes away. ``replicas`` copies of
the stream and of each durable consumer are kept on the cluster (3 on a 3-node cluster), so a
published message is acknowledged only once a majority of the nodes stored it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy, PubAck, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from pulsefolio.core.stream import Delivery, Outgoing, Stream, Topic

_KEY = "Pf-Key"
_DEDUP_WINDOW = 24 * 3600.0
_RETENTION = 7 * 24 * 3600.0
_ACK_TIMEOUT = 10.0
_V1_ACK_TOKENS = 9


def _stream_name(namespace: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", namespace).upper()


def _stream_sequence(message: Msg) -> int:
    """The stream sequence from the reply subject's classic form
    (``$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>...``), without building the full
    metadata for each of thousands of messages; other forms go through nats-py's parser."""
    tokens = (message.reply or "").split(".")
    if len(tokens) == _V1_ACK_TOKENS:
        return int(tokens[5])
    return int(message.metadata.sequence.stream)


class NatsStream(Stream):
    def __init__(self, client: Client, namespace: str, replicas: int = 1) -> None:
        self._client = client
        self._js = client.jetstream()
        self._namespace = namespace
        self._name = _stream_name(namespace)
        self._replicas = replicas

    @classmethod
    async def connect(cls, url: str, namespace: str, replicas: int = 1) -> NatsStream:
        client = await nats.connect(
            servers=server_list(url),
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=3,
        )
        stream = cls(client, namespace, replicas)
        await stream._ensure_stream()
        return stream

    def _subject(self, topic: Topic) -> str:
        return f"{self._namespace}.{topic.value}"

    async def _ensure_stream(self) -> None:
        config = StreamConfig(
            name=self._name,
            subjects=[self._subject(topic) for topic in Topic],
            storage=StorageType.FILE,
            duplicate_window=_DEDUP_WINDOW,
            max_age=_RETENTION,
            num_replicas=self._replicas,
        )
        try:
            await self._js.stream_info(self._name)
        except NotFoundError:
            await self._js.add_stream(config)

    async def publish(self, messages: Sequence[Outgoing]) -> int:
        """Send every message, then await their acknowledgements together (pipelined).

        Awaiting each ack before the next send cost one round trip per message (about a second
        for a full refresh of 5,000 assets). Messages leave in order on the one connection, so
        per-key order holds. Raises when any ack fails or does not come within the timeout.
        """
        pending: list[asyncio.Future[PubAck]] = []
        gathered: asyncio.Future[list[PubAck]] | None = None
        try:
            for m in messages:
                pending.append(
                    await self._js.publish_async(
                        self._subject(m.topic),
                        m.data,
                        stream=self._name,
                        headers={"Nats-Msg-Id": m.dedup_id, _KEY: m.key},
                    )
                )
            gathered = asyncio.gather(*pending)
            acks = await asyncio.wait_for(gathered, _ACK_TIMEOUT)
        except BaseException:
            for future in pending:
                future.cancel()
            if gathered is not None:  # a cancelled gather ends holding a CancelledError
                gathered.add_done_callback(_retrieve)
            raise
        return sum(1 for ack in acks if not ack.duplicate)

    async def consume(
        self, topics: Sequence[Topic], *, consumer: str | None, from_start: bool = False
    ) -> AsyncIterator[list[Delivery]]:
        wanted = set(topics)
        subject = self._subject(topics[0]) if len(wanted) == 1 else f"{self._namespace}.*"
        config = ConsumerConfig(
            deliver_policy=DeliverPolicy.ALL if (from_start or consumer) else DeliverPolicy.NEW,
            ack_wait=30,
            max_ack_pending=-1,
            inactive_threshold=24 * 3600.0 if consumer else 300.0,
            num_replicas=self._replicas if consumer else 1,
        )
        subscription = await self._js.pull_subscribe(
            subject, durable=consumer, stream=self._name, config=config
        )
        prefix = len(self._namespace) + 1
        try:
            while True:
                try:
                    messages = await subscription.fetch(batch=1024, timeout=1.0)
                except NatsTimeout:
                    continue
                batch = []
                for message in messages:
                    topic = Topic(message.subject[prefix:])
                    if topic in wanted:
                        batch.append(
                            Delivery(
                                topic=topic,
                                key=(message.headers or {}).get(_KEY, ""),
                                data=message.data,
                                sequence=_stream_sequence(message),
                            )
                        )
                if batch:
                    yield batch
                for message in messages:  # each only appends to the outgoing buffer
                    await message.ack()
        finally:
            await subscription.unsubscribe()

    async def healthy(self) -> bool:
        if not self._client.is_connected:
            return False
        try:
            await asyncio.wait_for(self._js.stream_info(self._name), 2.0)
        except Exception:
            return False
        return True

    async def close(self) -> None:
        await self._client.drain()


def server_list(url: str) -> list[str]:
    """The servers of a comma-separated NATS URL; a bare ``host:port`` entry gets the first
    entry's scheme (``nats://a:4222,b:4222``)."""
    entries = [entry.strip() for entry in url.split(",") if entry.strip()]
    scheme = entries[0].split("://", 1)[0] if entries and "://" in entries[0] else "nats"
    return [entry if "://" in entry else f"{scheme}://{entry}" for entry in entries]


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Read a finished future's outcome, so that asyncio does not log it as never retrieved."""
    if not future.cancelled():
        future.exception()
