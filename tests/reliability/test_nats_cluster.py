"""A NATS node lost under load: on a 3-node JetStream cluster with 3 replicas, no price or
position event that a publish acknowledged is lost when the node leading the stream is killed.

The platform (``pulsefolio up`` with an external NATS cluster) runs its asset service and two
portfolio instances against the cluster, under the steady load of position writes, while
manual prices are set before and after the kill. Beside it, the stream contract itself is
driven on a stream of its own: numbered price and position events are published throughout,
and every one whose publish returned is then read back by a consumer on a surviving node.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import nats
import pytest
from sqlalchemy import func, select

from pulsefolio.core.db.models import StreamOutbox
from pulsefolio.core.stream import Outgoing, Stream, Topic, connect_stream
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.servers import nats as nats_server
from pulsefolio.runtime.supervisor import Child, Supervisor
from tests.cli.stack import platform_env, start_up, wait_ready
from tests.reliability.load import Stack, admin, everywhere, set_prices, steady_load, until

pytestmark = pytest.mark.stack

HOST = "127.0.0.1"
NODES = 3


@dataclass
class Cluster:
    urls: list[str]
    nodes: dict[str, Child]

    @property
    def url(self) -> str:
        return ",".join(self.urls)

    def url_without(self, name: str) -> str:
        return ",".join(u for u, n in zip(self.urls, self.nodes, strict=True) if n != name)


@pytest.fixture
def cluster(reachable_tmp_path_factory: Any) -> Iterator[Cluster]:
    root = reachable_tmp_path_factory()
    picker = PortPicker(HOST)
    ports = [(picker.one(), picker.one(), picker.one()) for _ in range(NODES)]
    routes = [f"nats://{HOST}:{cluster_port}" for _, _, cluster_port in ports]
    supervisor = Supervisor(root / "logs", report=lambda _: None)
    specs = []
    for index, (port, monitor, cluster_port) in enumerate(ports):
        node_dir = root / f"n{index}"
        node_dir.mkdir()
        specs.append(
            nats_server.spec(
                node_dir,
                host=HOST,
                port=port,
                monitor_port=monitor,
                name=f"n{index}",
                cluster_port=cluster_port,
                routes=[r for i, r in enumerate(routes) if i != index],
            )
        )
    try:
        children = supervisor.start_together(specs)
        yield Cluster(
            [s.url or "" for s in specs], {s.name: c for s, c in zip(specs, children, strict=True)}
        )
    finally:
        supervisor.stop()


async def _connect_when_ready(url: str, namespace: str) -> Stream:
    """The stream with 3 replicas, once the cluster has elected its JetStream leader."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return await connect_stream(url, namespace, replicas=3)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


@dataclass
class Numbered:
    """Numbered events published on their own stream; ``acked`` holds each one a publish
    acknowledged."""

    stream: Stream
    acked: set[tuple[Topic, str]] = field(default_factory=set)
    failed: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        number = 0
        while not stop.is_set():
            batch = [
                Outgoing(topic, "K", str(number).encode(), f"{topic.value}:{number}")
                for topic in (Topic.PRICES, Topic.POSITIONS)
            ]
            number += 1
            try:
                await self.stream.publish(batch)
            except Exception:
                self.failed += 1  # not acknowledged: nothing is owed
                await asyncio.sleep(0.05)
                continue
            self.acked.update((m.topic, m.data.decode()) for m in batch)
            await asyncio.sleep(0.01)


async def _read_all(url: str, namespace: str, wanted: int) -> set[tuple[Topic, str]]:
    stream = await _connect_when_ready(url, namespace)
    seen: set[tuple[Topic, str]] = set()
    batches = stream.consume([Topic.PRICES, Topic.POSITIONS], consumer=None, from_start=True)
    try:
        deadline = time.monotonic() + 20
        while len(seen) < wanted and time.monotonic() < deadline:
            batch = await asyncio.wait_for(anext(batches), 20)
            seen.update((d.topic, d.data.decode()) for d in batch)
    finally:
        await batches.aclose()
        await stream.close()
    return seen


async def _stream_leader(url: str) -> str:
    client = await nats.connect(servers=url.split(","))
    try:
        info = await client.jetstream().stream_info("PULSEFOLIO")
        assert info.config.num_replicas == NODES
        assert info.cluster is not None and info.cluster.leader
        return str(info.cluster.leader)
    finally:
        await client.close()


async def test_killing_the_stream_leader_loses_no_acknowledged_event(
    cluster: Cluster, reachable_tmp_path_factory: Any
) -> None:
    checked = await _connect_when_ready(cluster.url, "clustercheck")
    data_dir = reachable_tmp_path_factory() / "data"
    env = platform_env(
        data_dir,
        PULSEFOLIO_NATS_URL=cluster.url,
        PULSEFOLIO_STREAM_REPLICAS=str(NODES),
        PULSEFOLIO_REFRESH_INTERVAL="3600",
        PULSEFOLIO_SOURCE_TIMEOUT="3",
    )
    log = data_dir.parent / "up.log"
    up = start_up(env, log)
    stop = asyncio.Event()
    numbered = Numbered(checked)
    publisher = asyncio.create_task(numbered.run(stop))
    try:
        stack = Stack(wait_ready(data_dir, up, log), data_dir, env)
        boss = await admin(stack)
        engine = stack.engine()
        try:
            async with steady_load(stack) as load:
                user = {"Authorization": f"Bearer {load.users[0].token}"}
                symbols = sorted(load.symbols.values())
                await until(lambda: everywhere(stack, user, lambda b: len(b["holdings"]) > 0))
                start = datetime.now(UTC)
                await set_prices(stack, boss, _round(symbols, 0), start)
                await asyncio.sleep(1.0)
                leader = await _stream_leader(cluster.url)
                pid = cluster.nodes[leader].pid
                assert pid is not None
                os.kill(pid, signal.SIGKILL)
                await set_prices(stack, boss, _round(symbols, 1), start + timedelta(seconds=1))
                await asyncio.sleep(3.0)  # writes and publishes go on without the leader
                final = _round(symbols, 2)
                await set_prices(stack, boss, final, start + timedelta(seconds=2))

                async def drained() -> bool:
                    async with engine.connect() as conn:
                        return not await conn.scalar(select(func.count()).select_from(StreamOutbox))

                await until(drained, within=30)
                shown = {s: str(p) for s, p in final.items()}

                def caught_up(body: dict[str, Any]) -> bool:
                    prices = {h["symbol"]: h["price"] for h in body["holdings"]}
                    held = {s: p for s, p in prices.items() if s in shown}
                    return bool(held) and all(shown[s] == p for s, p in held.items())

                await until(lambda: everywhere(stack, user, caught_up), within=30)
        finally:
            await engine.dispose()
        stop.set()
        await publisher
        assert len(numbered.acked) > 100
        seen = await _read_all(cluster.url_without(leader), "clustercheck", len(numbered.acked))
        assert numbered.acked - seen == set()
    finally:
        stop.set()
        await asyncio.gather(publisher, return_exceptions=True)
        await checked.close()
        up.terminate()
        up.wait(90)


def _round(symbols: list[str], number: int) -> dict[str, Decimal]:
    return {s: Decimal(300 + 10 * number + i) + Decimal("0.25") for i, s in enumerate(symbols)}
