"""The live side of an instance: the engine, the stream consumer and the connected clients.

Start-up loads the engine from PostgreSQL and the price cache, then consumes PRICES, FX and
POSITIONS with the durable consumer ``portfolio-{instance_id}``: after a restart it resumes where
it stopped, and what was published while it was down is also already in the cache it loaded
from. Replays are harmless: a quote no newer than the held one is ignored.

With users partitioned (:mod:`pulsefolio.core.partition`) an instance loads only the users it
owns. The gateway sends it another instance's users only while that one is down: they are
loaded on their first request and forgotten once idle (:meth:`Live.evict_visitors`). A position
change of a user it holds is applied; one of any other user is left to whoever holds them.

Per batch: prices and rates go onto the price board at once (requests see them), a position
change reloads that user from PostgreSQL (one query per batch). A write through this instance
reloads its user before it answers (:meth:`Live.wrote`), so the writer's next read shows it; the
stream's copy of that change reloads them once more, harmlessly. Revaluation of the float totals
runs in a worker thread, off the event loop, in a separate task that takes everything pending
since its last run: batches arriving while it computes are coalesced into the next run. After
each run every affected user with an open WebSocket gets a ``portfolio`` message, and
:attr:`Live.revalued_as_of` records the oldest price that run included.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from pulsefolio.core.errors import NotFound
from pulsefolio.core.events import PositionChanged, decode_fx, decode_quote
from pulsefolio.core.partition import Partition, partition_of
from pulsefolio.core.stream import Delivery, Topic
from pulsefolio.portfolio.engine import Engine, UserBook, load_engine, load_users
from pulsefolio.portfolio.live.hub import Hub
from pulsefolio.portfolio.portfolios.answers import AnswerCache
from pulsefolio.portfolio.portfolios.service import Valuation
from pulsefolio.portfolio.positions.events import apply_here
from pulsefolio.portfolio.resources import Resources

log = logging.getLogger(__name__)
# A user of another instance, served here while that instance was down, is forgotten after this
# long without a request (their owner is back by then, or they left).
VISITOR_IDLE_SECONDS = 600.0


@dataclass
class _Pending:
    """Changed assets, reloaded users and whether FX moved, since the last revaluation."""

    changed: set[int] = field(default_factory=set)
    users: set[int] = field(default_factory=set)
    everyone: bool = False


class Live:
    def __init__(self, resources: Resources, engine: Engine, part: Partition | None = None) -> None:
        self.resources = resources
        self.engine = engine
        self.part = part
        self._visitors: dict[int, float] = {}  # users of other instances served here: last use
        self.hub = Hub()
        settings = resources.settings
        self.answers = AnswerCache(
            engine, settings.answer_cache_mb * 2**20, settings.refresh_interval
        )
        self.batches = 0
        self.revalued_as_of: datetime | None = self.oldest_price()
        self._pending = _Pending()
        self._wake = asyncio.Event()
        # Reloads run one at a time, so one that read the database before a commit cannot
        # install its older rows over one that read after it.
        self._reloading = asyncio.Lock()

    @property
    def consumer_name(self) -> str:
        return f"portfolio-{self.resources.instance_id}"

    def value(self, book: UserBook, base: str, account_id: int | None = None) -> Valuation:
        return Valuation(
            book,
            self.engine.board,
            base,
            now=datetime.now(UTC),
            refresh_interval=self.resources.settings.refresh_interval,
            account_id=account_id,
        )

    def answer(self, book: UserBook, base: str) -> bytes:
        """The serialised ``GET /api/v1/portfolio`` answer of ``book``'s user, cached."""
        body = self.answers.get(book.user_id, base)
        if body is None:
            version = self.engine.board.version
            body = orjson.dumps(self.value(book, base).body())
            self.answers.put(book, base, body, version)
        return body

    def oldest_price(self) -> datetime | None:
        """The as-of time of the oldest price held: once it passes a refresh's time, every
        asset's new price is applied and every portfolio holding it revalued."""
        times = [q.as_of for q in self.engine.board.market_quotes()]
        return min(times) if times else None

    def note_visit(self, user_id: int) -> None:
        """Mark a user of another instance as served now (see :meth:`evict_visitors`)."""
        if self.part is not None and not self.part.owns(user_id):
            self._visitors[user_id] = time.monotonic()

    async def book(self, user_id: int) -> UserBook:
        """The user's positions from memory; a user this instance never saw is loaded once."""
        self.note_visit(user_id)
        book = self.engine.book(user_id)
        if book is None:
            [book] = await self._reload([user_id])
        return book

    async def owned_book(self, user_id: int, account_id: int) -> UserBook:
        """The user's positions if ``account_id`` is theirs and open; NotFound otherwise."""
        owner = self.engine.account_owner(account_id)
        if owner is None:  # maybe opened after this instance loaded: ask once
            await self._reload([user_id])
            owner = self.engine.account_owner(account_id)
        if owner != user_id:
            raise NotFound(f"account {account_id} not found")
        return await self.book(user_id)

    async def _reload(self, user_ids: Sequence[int]) -> list[UserBook]:
        r = self.resources
        capitalize = r.settings.purchase_fees_in_cost_basis
        async with self._reloading:
            return await load_users(r.engine, r.cache, self.engine, user_ids, capitalize)

    async def positions_changed(self, user_ids: set[int]) -> None:
        """Reload those of these users held here and have them revalued and pushed."""
        users = {u for u in user_ids if self.engine.holds(u)}  # others: their owner's, or unseen
        if users:
            await self._reload(sorted(users))
            self._pending.users |= users
            self._wake.set()

    async def wrote(self, user_id: int) -> None:
        """A write through this instance committed a change of the user's positions."""
        await self.positions_changed({user_id})

    async def apply(self, batch: Sequence[Delivery]) -> None:
        """Apply one stream batch and push the new values to connected clients."""
        quotes, rates, users = [], [], set()
        for d in batch:
            try:
                if d.topic is Topic.PRICES:
                    quotes.append(decode_quote(d.data))
                elif d.topic is Topic.FX:
                    rates.append(decode_fx(d.data))
                elif d.topic is Topic.POSITIONS:
                    users.add(PositionChanged.decode(d.data).user_id)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("skipping undecodable %s message %s: %s", d.topic, d.sequence, exc)
        board = self.engine.board
        changed = board.apply_quotes(quotes)
        everyone = board.apply_fx(rates)
        await self.positions_changed(users)
        self.batches += 1
        self._pending.changed.update(changed)
        self._pending.everyone |= everyone
        self._wake.set()

    async def revalue_pending(self) -> None:
        """Revalue what is pending in a worker thread, then push to the connected clients."""
        pending, self._pending = self._pending, _Pending()
        changed, reloaded, everyone = pending.changed, pending.users, pending.everyone
        vectors, oldest = self.engine.vectors(), self.oldest_price()
        if changed or everyone:
            await asyncio.to_thread(self.engine.revalue, changed, vectors, everyone=everyone)
        self._push(changed, reloaded, everyone)
        self.revalued_as_of = oldest

    async def revalue_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.revalue_pending()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("revaluation failed")

    def _push(self, changed: set[int], reloaded: set[int], everyone: bool) -> None:
        """Send each connected user whose portfolio moved their new value. Walks the connected
        users, not the holders of the changed assets: a full refresh touches every user."""
        for user_id in self.hub.users():
            book = self.engine.book(user_id)
            if book is None:
                continue
            full = everyone or user_id in reloaded
            if not full and not any(h.asset in changed for h in book.holdings):
                continue
            valuation = self.value(book, book.base_currency)
            self.hub.send(user_id, message(valuation, None if full else changed))

    def evict_visitors(self, idle: float = VISITOR_IDLE_SECONDS) -> list[int]:
        """Forget the users of other instances not served for ``idle`` seconds (none with an
        open live stream): they were served here while their owner was down."""
        cutoff, connected = time.monotonic() - idle, self.hub.users()
        gone = [u for u, last in self._visitors.items() if last < cutoff and u not in connected]
        for user in gone:
            del self._visitors[user]
            self.engine.drop_user(user)
            self.answers.forget(user)
        return gone

    async def evict_loop(self) -> None:
        while True:
            await asyncio.sleep(VISITOR_IDLE_SECONDS / 10)
            self.evict_visitors()

    async def run(self) -> None:
        stream = self.resources.stream
        topics = [Topic.PRICES, Topic.FX, Topic.POSITIONS]
        while True:
            try:
                async for batch in stream.consume(topics, consumer=self.consumer_name):
                    await self.apply(batch)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live consumer failed; restarting in 1 s")
                await asyncio.sleep(1.0)


def message(valuation: Valuation, assets: set[int] | None) -> dict[str, Any]:
    """The ``portfolio`` message: totals (cash included), the holding rows of ``assets`` (all
    when None) and every cash balance (their weights move with the total)."""
    return {
        "type": "portfolio",
        **valuation.summary(),
        "holdings": valuation.rows(assets),
        "cash": valuation.cash_rows(),
    }


def snapshot(valuation: Valuation) -> dict[str, Any]:
    """The ``snapshot`` message sent on connect: the whole portfolio answer."""
    return {"type": "snapshot", **valuation.body()}


@asynccontextmanager
async def live_service(resources: Resources) -> AsyncIterator[Live]:
    """Load the engine, run the consumer for the lifetime of the app, stop it on exit."""
    part = partition_of(resources.settings)
    capitalize = resources.settings.purchase_fees_in_cost_basis
    engine = await load_engine(resources.engine, resources.cache, part, capitalize)
    live = Live(resources, engine, part)
    writes = apply_here(resources.stream, live.wrote)
    tasks = [
        asyncio.create_task(live.run(), name=live.consumer_name),
        asyncio.create_task(live.revalue_loop(), name=f"{live.consumer_name}-revalue"),
        asyncio.create_task(live.evict_loop(), name=f"{live.consumer_name}-evict"),
    ]
    try:
        async with writes:
            yield live
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with suppress(asyncio.CancelledError):
                await task
