"""NATS-only behaviour of the stream: a stalled server, and a URL naming a cluster."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from pathlib import Path

import psutil
import pytest

from pulsefolio.core.stream import Outgoing, Topic, connect_stream
from pulsefolio.core.stream.nats import server_list
from pulsefolio.runtime.ports import PortPicker
from pulsefolio.runtime.servers import nats as nats_server
from pulsefolio.runtime.supervisor import Supervisor

HOST = "127.0.0.1"


async def test_a_publish_given_up_leaves_no_unread_failure_behind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The outbox relay gives up a publish after its timeout while the server does not answer;
    the acknowledgements it stops waiting for must not surface later as asyncio's 'exception
    was never retrieved' errors in the service's log."""
    ports = PortPicker(HOST)
    spec = nats_server.spec(tmp_path, host=HOST, port=ports.one(), monitor_port=ports.one())
    supervisor = Supervisor(tmp_path / "logs", report=lambda _: None)
    child = supervisor.start(spec)
    stream = await connect_stream(spec.url or "", namespace="stalled")
    try:
        sent = [Outgoing(Topic.PRICES, "K", b"1", "K:1")]
        assert await stream.publish(sent) == 1
        os.kill(child.pid, signal.SIGSTOP)
        # kill() returns before the server, running on the other core, has stopped: it could
        # still acknowledge what is sent in that moment
        stopped = psutil.Process(child.pid)
        while stopped.status() != psutil.STATUS_STOPPED:  # noqa: ASYNC110 polling a process
            await asyncio.sleep(0.01)
        try:
            later = [Outgoing(Topic.PRICES, "K", b"2", "K:2")]
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(stream.publish(later), 0.3)
        finally:
            os.kill(child.pid, signal.SIGCONT)
        caplog.set_level(logging.ERROR, logger="asyncio")
        await asyncio.sleep(0.1)
        gc.collect()
        await asyncio.sleep(0.1)
        assert not [r for r in caplog.records if "never retrieved" in r.getMessage()]
    finally:
        await stream.close()
        supervisor.stop()


class TestServerList:
    def test_a_comma_separated_url_lists_each_server(self) -> None:
        url = "nats://a:4222, nats://b:4223,c:4224"
        assert server_list(url) == ["nats://a:4222", "nats://b:4223", "nats://c:4224"]

    def test_a_bare_address_takes_the_first_servers_scheme(self) -> None:
        assert server_list("tls://a:4222,b:4222") == ["tls://a:4222", "tls://b:4222"]


async def test_a_cluster_url_connects_past_a_server_that_is_down(
    nats_url: str, stream_namespace: str
) -> None:
    dead = f"nats://{HOST}:{PortPicker(HOST).one()}"
    stream = await connect_stream(f"{dead},{nats_url}", stream_namespace, replicas=1)
    try:
        sent = [Outgoing(Topic.PRICES, "K", b"1", f"{stream_namespace}:1")]
        assert await stream.publish(sent) == 1
        batches = stream.consume([Topic.PRICES], consumer=None, from_start=True)
        batch = await asyncio.wait_for(anext(batches), 10)
        assert [(d.key, d.data) for d in batch] == [("K", b"1")]
        await batches.aclose()
    finally:
        await stream.close()
