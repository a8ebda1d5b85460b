"""The message stream between the asset service and the portfolio service.

A small contract, like httpx's transports: :class:`Stream` publishes keyed messages on a topic and
hands consumers batches. Guarantees every backend keeps:

- one key's messages arrive in the order they were published;
- a message published twice with the same ``dedup_id`` is delivered once;
- a named consumer resumes after a restart where it last acknowledged (at-least-once), so a
  consumer must treat a redelivered message as a no-op (the cache's newer-only rule does that);
- ``from_start`` replays what the stream retains, for a consumer started late.

:func:`connect_stream` picks the backend from the URL scheme.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Topic(StrEnum):
    PRICES = "prices"
    FX = "fx"
    POSITIONS = "positions"


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: Topic
    key: str
    data: bytes
    dedup_id: str


@dataclass(frozen=True, slots=True)
class Delivery:
    topic: Topic
    key: str
    data: bytes
    sequence: int


class Stream(ABC):
    @abstractmethod
    async def publish(self, messages: Sequence[Outgoing]) -> int:
        """Publish durably; return how many were new (not duplicates). Raises on failure."""

    @abstractmethod
    def consume(
        self, topics: Sequence[Topic], *, consumer: str | None, from_start: bool = False
    ) -> AsyncIterator[list[Delivery]]:
        """Yield batches; a batch is acknowledged when the next one is asked for."""

    @abstractmethod
    async def healthy(self) -> bool: ...

    @abstractmethod
    async def close(self) -> None: ...


async def connect_stream(url: str, namespace: str = "pulsefolio", replicas: int = 1) -> Stream:
    """Connect to the stream at ``url`` (``nats://...`` or ``kafka://...``); ``replicas`` is the
    copies a NATS cluster keeps of the stream and its durable consumers."""
    if url.startswith(("nats://", "tls://")):
        from pulsefolio.core.stream.nats import NatsStream

        return await NatsStream.connect(url, namespace, replicas)
    if url.startswith("kafka://"):
        from pulsefolio.core.stream.kafka import KafkaStream

        return await KafkaStream.connect(url, namespace)
    raise ValueError(f"unsupported stream URL {url!r}: expected nats:// or kafka://")


__all__ = ["Delivery", "Outgoing", "Stream", "Topic", "connect_stream"]
