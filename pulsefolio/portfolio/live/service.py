"""The live side of an instance: the engine, the stream consumer and the connected clients.

Start-up loads the engine from PostgreSQL and the price cache, then consumes PRICES, FX and
POSITIONS with the durable consumer ``portfolio-{instance_id}``: after a restart it resumes where
it stopped, and what was published while it was down is also already in the cache it loaded
from. Replays are harmless: a quote no newer than the held one is ignored.

Per batch: prices revalue the users holding the changed assets, FX revalues everyone, a
position change reloads that user from PostgreSQL (one query per batch). Then every affected
user with an open WebSocket gets a ``portfolio`` message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from pulsefolio.core.errors import NotFound
from pulsefolio.core.events import PositionChanged, decode_fx, decode_quote
from pulsefolio.core.stream import Delivery, Topic
from pulsefolio.portfolio.engine import Engine, UserBook, load_engine, load_users
from pulsefolio.portfolio.live.hub import Hub
from pulsefolio.portfolio.portfolios.service import Valuation
from pulsefolio.portfolio.resources import Resources

log = logging.getLogger(__name__)


class Live:
    def __init__(self, resources: Resources, engine: Engine) -> None:
        self.resources = resources
        self.engine = engine
        self.hub = Hub()
        self.batches = 0

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

    async def book(self, user_id: int) -> UserBook:
        """The user's positions from memory; a user this instance never saw is loaded once."""
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
        return await load_users(r.engine, r.cache, self.engine, user_ids)

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
        changed, affected = self.engine.apply_quotes(quotes)
        everyone = self.engine.apply_fx(rates)
        if users:
            await self._reload(sorted(users))
        self.batches += 1
        self._push(set(changed), affected, users, everyone)

    def _push(
        self, changed: set[int], affected: set[int], reloaded: set[int], everyone: bool
    ) -> None:
        for user_id in self.hub.connected(self.hub.users() if everyone else affected | reloaded):
            book = self.engine.book(user_id)
            if book is None:
                continue
            full = everyone or user_id in reloaded
            valuation = self.value(book, book.base_currency)
            self.hub.send(user_id, message(valuation, None if full else changed))

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
    """The ``portfolio`` message: totals plus the holding rows of ``assets`` (all when None)."""
    return {"type": "portfolio", **valuation.summary(), "holdings": valuation.rows(assets)}


def snapshot(valuation: Valuation) -> dict[str, Any]:
    """The ``snapshot`` message sent on connect: the whole portfolio answer."""
    return {"type": "snapshot", **valuation.body()}


@asynccontextmanager
async def live_service(resources: Resources) -> AsyncIterator[Live]:
    """Load the engine, run the consumer for the lifetime of the app, stop it on exit."""
    engine = await load_engine(resources.engine, resources.cache)
    live = Live(resources, engine)
    task = asyncio.create_task(live.run(), name=live.consumer_name)
    try:
        yield live
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
