"""The refresh loop: pick, fetch, check, write cache and history, publish.

It reads like arq's worker: paced iterations every ``interval`` seconds; a cycle that overruns
is not overlapped, the next simply starts when it ends; source calls run concurrently under a
cap; shutdown cancels the task. :meth:`RefreshLoop.run_once` does one pass and returns, for the
CLI, the admin API and tests.

Only the holder of the lease (see :mod:`pulsefolio.assets.lease`) runs timed cycles; the other
processes contest it every tick and take over within one interval of the holder's death.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets import repository
from pulsefolio.assets.board import StatusBoard
from pulsefolio.assets.lease import AdvisoryLease, cycle_lock
from pulsefolio.assets.selection import Rejection, Selector
from pulsefolio.assets.source_status import SourceHealth
from pulsefolio.assets.sources.base import Source
from pulsefolio.assets.writer import PriceWriter
from pulsefolio.core.cache import PriceCache
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Stream

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    started_at: str
    duration_seconds: float
    pid: int
    host: str
    assets: int
    priced: int
    unchanged: int
    unpriced: list[str]
    fx_pairs: int
    fx_priced: int
    history_rows: int
    fx_rows: int
    changed_prices: int
    changed_fx: int
    published: int
    outbox_pending: int
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rejection(rejection: Rejection) -> dict[str, Any]:
    value = None if rejection.value is None else str(rejection.value)
    return {"key": rejection.key, "source": rejection.source, "reason": rejection.reason,
            "value": value}  # fmt: skip


class RefreshLoop:
    def __init__(
        self,
        settings: Settings,
        sources: Mapping[str, Source],
        engine: AsyncEngine,
        cache: PriceCache,
        stream: Stream,
        *,
        board: StatusBoard | None = None,
        lease: AdvisoryLease | None = None,
        health: SourceHealth | None = None,
        interval: float | None = None,
        max_deviation: Decimal | None = None,
        consult: int | None = None,
        concurrency: int | None = None,
        source_timeout: float | None = None,
        publish_timeout: float = 10.0,
        default_sources: Sequence[str] = ("simulated",),
        fx_sources: Sequence[str] = ("simulated",),
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.cache = cache
        self.board = board
        self.lease = lease
        self.health = health or SourceHealth()
        self.interval = interval if interval is not None else settings.refresh_interval
        self.selector = Selector(
            sources,
            self.health,
            max_deviation=settings.price_max_deviation if max_deviation is None else max_deviation,
            consult=settings.price_consult if consult is None else consult,
            concurrency=settings.refresh_concurrency if concurrency is None else concurrency,
            timeout=settings.source_timeout if source_timeout is None else source_timeout,
        )
        self.writer = PriceWriter(engine, cache, stream, publish_timeout=publish_timeout)
        self.default_sources = tuple(default_sources)
        self.fx_sources = tuple(fx_sources)
        self.last_report: CycleReport | None = None
        self._running = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._requested: asyncio.Task[CycleReport] | None = None

    @property
    def leading(self) -> bool:
        return self.lease is None or self.lease.held

    async def run_once(self) -> CycleReport:
        """One full cycle now; waits for a cycle already running here or in another process."""
        async with self._running, cycle_lock(self.engine, self.settings.namespace):
            report = await self._cycle()
        self.last_report = report
        if self.board is not None:
            try:
                await self.board.publish(self.health.snapshot(), report.as_dict())
            except Exception as exc:
                log.warning("cannot publish the refresh status: %s: %s", type(exc).__name__, exc)
        return report

    def request_cycle(self) -> bool:
        """Start a cycle in the background unless one asked for earlier is still pending."""
        if self._requested is not None and not self._requested.done():
            return False
        self._requested = asyncio.create_task(self.run_once(), name="asset-refresh-requested")
        self._requested.add_done_callback(_log_failure)
        return True

    async def _cycle(self) -> CycleReport:
        started, clock = datetime.now(UTC), time.monotonic()
        plans = await repository.load_plans(self.engine, self.default_sources)
        pairs = await repository.fx_pairs(self.engine)
        try:
            held = await self.cache.get_prices([plan.symbol for plan in plans])
            held_fx = await self.cache.get_fx([str(pair) for pair in pairs])
        except (RedisError, OSError) as exc:  # the history still takes the prices
            log.warning("price cache unavailable (%s); pricing every asset afresh", exc)
            held, held_fx = {}, {}
        fx_sources = [name for name in self.fx_sources if name in self.selector.sources]
        choice, fx_choice = await asyncio.gather(
            self.selector.select(plans, held),
            self.selector.select_fx(pairs, fx_sources, held_fx),
        )
        written = await self.writer.write(
            {plan.symbol: plan.asset_id for plan in plans},
            list(choice.chosen.values()),
            list(fx_choice.chosen.values()),
        )
        report = CycleReport(
            started_at=started.isoformat(),
            duration_seconds=round(time.monotonic() - clock, 6),
            pid=os.getpid(),
            host=socket.gethostname(),
            assets=len(plans),
            priced=len(choice.chosen),
            unchanged=len(choice.unchanged),
            unpriced=choice.unpriced,
            fx_pairs=len(pairs),
            fx_priced=len(fx_choice.chosen),
            history_rows=written.history_rows,
            fx_rows=written.fx_rows,
            changed_prices=len(written.changed_prices),
            changed_fx=len(written.changed_fx),
            published=written.published,
            outbox_pending=written.pending,
            rejections=[_rejection(r) for r in choice.rejections + fx_choice.rejections],
        )
        log.info(
            "cycle: %d/%d assets priced, %d changed, %d published, %d pending, %.3f s",
            report.priced, report.assets, report.changed_prices, report.published,
            report.outbox_pending, report.duration_seconds,
        )  # fmt: skip
        return report

    async def run(self) -> None:
        """Tick forever: contest or keep the lease, and run a cycle while leading."""
        while True:
            started = time.monotonic()
            try:
                if self.lease is None or await self.lease.acquire():
                    await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("refresh cycle failed")
            remaining = self.interval - (time.monotonic() - started)
            self._wake.clear()
            if remaining > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), remaining)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="asset-refresh")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if self._requested is not None:
            self._requested.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._requested
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.lease is not None:
            await self.lease.release()


def _log_failure(task: asyncio.Task[CycleReport]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("requested refresh cycle failed", exc_info=task.exception())
