"""``pulsefolio soak``: load plus scheduled faults, then a check that nothing was lost.

The run uses the platform ``up`` is running on the data directory (its ``ready.json``), or
starts one for itself (prices refreshed every few seconds, so the outbox and the cache work
during the faults) and stops it at the end. Users write and read through the gateway for the
whole run while :func:`~pulsefolio.runtime.soak.faults.run_schedule` injects a fault every
``every`` seconds. Then the load stops (writes in flight finish their retries), the platform is
given time to settle, and :func:`~pulsefolio.runtime.soak.check.check` compares PostgreSQL
with what was acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulsefolio.core.db.urls import with_database
from pulsefolio.core.settings import Settings
from pulsefolio.runtime import state
from pulsefolio.runtime.layout import Layout
from pulsefolio.runtime.soak.check import check
from pulsefolio.runtime.soak.faults import SCHEDULE, Faults, run_schedule
from pulsefolio.runtime.soak.load import LoadDriver

Report = Callable[[str], None]


@dataclass(frozen=True)
class SoakOptions:
    minutes: float
    users: int = 8
    every: float | None = None  # seconds between faults; default from the duration
    hold: float | None = None  # seconds a stopped server stays stopped
    kinds: Sequence[str] = SCHEDULE

    def spacing(self) -> tuple[float, float]:
        """Fault spacing and hold: a fault a minute, held 10 s; tighter for short runs."""
        seconds = self.minutes * 60
        every = self.every or min(60.0, max(3.0, seconds / (len(self.kinds) + 1)))
        return every, self.hold or min(10.0, max(1.5, every / 3))


@contextmanager
def platform_for(settings: Settings, report: Report) -> Iterator[dict[str, Any]]:
    """The running platform's ready info, or a platform started (and stopped) for the run."""
    layout = Layout(settings.data_dir)
    if state.running_up(layout) is not None and state.read_json(layout.ready_file):
        report(f"using the platform running on {settings.data_dir}")
        yield state.read_json(layout.ready_file)
        return
    env = dict(os.environ, PULSEFOLIO_DATA_DIR=str(settings.data_dir))
    env.setdefault("PULSEFOLIO_REFRESH_INTERVAL", "5")
    log = settings.data_dir / "soak-up.log"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    report(f"starting the platform on {settings.data_dir} (output in {log})")
    with log.open("ab") as out:
        up = subprocess.Popen(
            [sys.executable, "-m", "pulsefolio.cli.main", "up"], env=env,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield _wait_ready(layout.ready_file, up)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()


def _wait_ready(ready_file: Path, up: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while True:
        ready = state.read_json(ready_file) or {}
        if ready.get("up_pid") == up.pid:
            return dict(ready)
        if up.poll() is not None:
            raise RuntimeError(f"pulsefolio up exited with {up.returncode}; see soak-up.log")
        if time.monotonic() > deadline:
            raise RuntimeError("the platform was not ready within 180 s")
        time.sleep(0.3)


async def _recovered(driver: LoadDriver, within: float = 60.0) -> float | None:
    """Seconds until reads succeed from the cache again after the faults, or None."""
    began = time.monotonic()
    user = driver.users[0]
    while time.monotonic() - began < within:
        body = await driver.read_once(user)
        if body is not None and body.get("prices_from") == "cache":
            return time.monotonic() - began
        await asyncio.sleep(0.5)
    return None


async def soak(
    ready: dict[str, Any], ready_file: Path, options: SoakOptions, report: Report
) -> dict[str, Any]:
    """Run load and faults for ``options.minutes``; return the report as a dict."""
    every, hold = options.spacing()
    driver = LoadDriver(ready["gateway_url"], users=options.users)
    try:
        await driver.setup()
        report(f"{options.users} users ready; load and faults for {options.minutes} min "
               f"(a fault every {every:.0f} s, servers held stopped {hold:.0f} s)")  # fmt: skip
        stop = asyncio.Event()
        began = time.monotonic()
        load = asyncio.create_task(driver.run(stop))
        schedule = asyncio.create_task(
            run_schedule(Faults(ready_file), options.kinds, every, hold, stop)
        )
        await asyncio.sleep(options.minutes * 60)
        stop.set()
        injected = await schedule
        await load
        elapsed = time.monotonic() - began
        recovered = await _recovered(driver)
        account_ids = [u.account_id for u in driver.users]
        database_url = with_database(ready["database_url"], driver=None)
        checked = await check(database_url, driver.stats.acked, account_ids)
    finally:
        await driver.aclose()
    back = all(f.back_after is not None for f in injected)
    return {
        "ok": checked.ok and back and recovered is not None,
        "minutes": options.minutes,
        "elapsed_seconds": round(elapsed, 1),
        "users": options.users,
        "fault_every_seconds": every,
        "hold_seconds": hold,
        "faults": [f.as_dict() for f in injected],
        "every_fault_recovered": back,
        "cache_answers_again_after_seconds": None if recovered is None else round(recovered, 1),
        "load": driver.stats.summary(),
        "check": checked.summary(),
    }


def run_soak(settings: Settings, options: SoakOptions, report: Report = print) -> dict[str, Any]:
    with platform_for(settings, report) as ready:
        ready_file = Layout(settings.data_dir).ready_file
        return asyncio.run(soak(ready, ready_file, options, report))
