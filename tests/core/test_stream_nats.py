"""NATS-only behaviour of the stream: a publish cut short by a stalled server."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
from pathlib import Path

import pytest

from pulsefolio.core.stream import Outgoing, Topic, connect_stream
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
