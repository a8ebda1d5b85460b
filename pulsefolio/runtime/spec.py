"""A child process described as data: what to run, as whom, and how to tell it is ready."""

from __future__ import annotations

import signal
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RunAs:
    """An unprivileged account a child runs as (PostgreSQL refuses to run as root)."""

    user: str
    uid: int
    gid: int


def _always_ready() -> bool:
    return True


@dataclass(frozen=True)
class ProcessSpec:
    """Everything the supervisor needs to start, check, restart and stop one child.

    ``init`` runs once before the first start (creating a data directory, say); it must be
    idempotent because a later ``up`` on the same data directory runs it again. ``ready`` is
    polled until it returns True; it must not block for more than about a second.
    """

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    run_as: RunAs | None = None
    ready: Callable[[], bool] = _always_ready
    grace: float = 10.0
    stop_signal: int = signal.SIGTERM
    init: Callable[[], None] | None = None
    port: int | None = None
    url: str | None = None
    start_timeout: float = 60.0
