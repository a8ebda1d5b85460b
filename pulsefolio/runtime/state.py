"""What a running ``up`` leaves under ``<data-dir>/run``, so other commands and the next ``up``
find it: the ``up`` process itself and every child's process group.

A pid alone may be reused after a crash, so each record also carries the process's start time,
and a process counts as ours only if both match.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import psutil

from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.ports import port_in_use


def identity(pid: int) -> dict[str, Any]:
    return {"pid": pid, "started": psutil.Process(pid).create_time()}


def alive(record: dict[str, Any] | None) -> bool:
    """True if the process ``record`` describes still runs (same pid, same start time)."""
    if not record:
        return False
    try:
        process = psutil.Process(int(record["pid"]))
        ours: bool = (
            abs(process.create_time() - float(record["started"])) < 0.01
            and process.status() != psutil.STATUS_ZOMBIE
        )
        return ours
    except (psutil.Error, KeyError, ValueError, TypeError):
        return False


def write_json(path: Path, data: object) -> None:
    """Write atomically so readers never see half a file; owner-only, as it may hold secrets."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(data, indent=2))
    tmp.replace(path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def running_up(layout: Layout) -> dict[str, Any] | None:
    """The record of the ``up`` running on this data directory, or None."""
    record = read_json(layout.up_file)
    return record if alive(record) else None


def clean_stale(layout: Layout, host: str = "127.0.0.1") -> list[str]:
    """Kill the process groups a crashed ``up`` left behind and forget its files.

    Waits until they are gone and their ports free: a killed multi-threaded server may look
    like a zombie while its other threads still hold sockets. Returns the names of the children
    that were still running.
    """
    killed: list[str] = []
    children = read_json(layout.children_file) or {}
    for name, record in children.items():
        if alive(record):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(int(record["pid"]), signal.SIGKILL)
            killed.append(name)
    deadline = time.monotonic() + 10
    ports = [r.get("port") for name, r in children.items() if name in killed and r.get("port")]
    while time.monotonic() < deadline and (
        any(alive(r) for r in children.values()) or any(port_in_use(host, p) for p in ports)
    ):
        time.sleep(0.05)
    for path in (layout.children_file, layout.up_file, layout.ready_file):
        path.unlink(missing_ok=True)
    return killed


def forget(layout: Layout) -> None:
    for path in (layout.children_file, layout.up_file, layout.ready_file):
        path.unlink(missing_ok=True)
