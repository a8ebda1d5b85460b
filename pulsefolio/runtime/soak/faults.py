"""Faults injected into a running platform, found through its ``ready.json``.

* ``kill-portfolio``: SIGKILL one portfolio-service instance (alternating); the supervisor
  restarts it and the gateway's health checks route around it meanwhile.
* ``kill-redis`` / ``kill-nats``: SIGKILL the server; the supervisor restarts it (Redis reloads
  its append-only file, JetStream its file store).
* ``stop-redis`` / ``stop-nats``: SIGSTOP the server for ``hold`` seconds, then SIGCONT: clients
  see a server that accepts nothing and answers nothing, the harder kind of outage.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulsefolio.runtime import state

KINDS = ("kill-portfolio", "stop-redis", "stop-nats", "kill-redis", "kill-nats")
SCHEDULE = ("kill-portfolio", "stop-redis", "stop-nats", "kill-redis", "kill-nats")


@dataclass
class Injected:
    kind: str
    target: str
    at: float  # seconds since the run began
    held: float
    back_after: float | None  # seconds until the target answered again (None: not seen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "target": self.target, "at_s": round(self.at, 1),
            "held_s": round(self.held, 1),
            "back_after_s": None if self.back_after is None else round(self.back_after, 1),
        }  # fmt: skip


class Faults:
    """Injects faults into the platform whose ``ready.json`` is ``ready_file``."""

    def __init__(self, ready_file: Path) -> None:
        self.ready_file = ready_file
        self._turn = 0

    def components(self) -> dict[str, Any]:
        return dict((state.read_json(self.ready_file) or {}).get("components", {}))

    def pid(self, name: str) -> int:
        found = self.components().get(name) or {}
        if not found.get("pid"):
            raise RuntimeError(f"{name} has no process to fault (external or not running)")
        return int(found["pid"])

    def portfolio_names(self) -> list[str]:
        return sorted(n for n in self.components() if n.startswith("portfolio-"))

    async def wait_new_pid(self, name: str, old: int, within: float = 60.0) -> float | None:
        """Seconds until ``name`` runs again under a new pid, or None if not within."""
        began = time.monotonic()
        while time.monotonic() - began < within:
            entry = self.components().get(name) or {}
            if entry.get("pid") not in (None, old) and _alive(int(entry["pid"])):
                return time.monotonic() - began
            await asyncio.sleep(0.2)
        return None

    async def kill(self, name: str) -> float | None:
        """SIGKILL ``name``; return the seconds until the supervisor had it running again."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGKILL)
        return await self.wait_new_pid(name, pid)

    async def stop(self, name: str, hold: float) -> None:
        """SIGSTOP ``name`` for ``hold`` seconds, then SIGCONT (also if interrupted)."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(hold)
        finally:
            os.kill(pid, signal.SIGCONT)

    async def inject(self, kind: str, hold: float, began: float) -> Injected:
        at = time.monotonic() - began
        if kind == "kill-portfolio":
            names = self.portfolio_names()
            target = names[self._turn % len(names)]
            self._turn += 1
            return Injected(kind, target, at, 0.0, await self.kill(target))
        action, target = kind.split("-", 1)
        if action == "kill":
            return Injected(kind, target, at, 0.0, await self.kill(target))
        await self.stop(target, hold)
        return Injected(kind, target, at, hold, 0.0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


async def run_schedule(
    faults: Faults, kinds: Sequence[str], every: float, hold: float, stop: asyncio.Event
) -> list[Injected]:
    """Inject ``kinds`` in turn, one every ``every`` seconds, until ``stop`` is set."""
    began, turn = time.monotonic(), 0
    done: list[Injected] = []
    while True:
        try:
            await asyncio.wait_for(stop.wait(), every)
            return done
        except TimeoutError:
            pass
        done.append(await faults.inject(kinds[turn % len(kinds)], hold, began))
        turn += 1
