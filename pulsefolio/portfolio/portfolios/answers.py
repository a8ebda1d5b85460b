"""Serialised ``GET /api/v1/portfolio`` answers kept per user until something they show moves.

Valuing a portfolio exactly and serialising it costs a few hundred microseconds; a cached answer
is a dictionary lookup. An answer stays valid while none of these has changed since it was
made, which :meth:`AnswerCache.get` checks on every hit (no invalidation bookkeeping, so no
path that changes the board or a book can forget to invalidate):

* the quote of any asset it holds, cash pseudo-assets included, the FX table and the prices'
  origin (:meth:`PriceBoard.unchanged_since`);
* the user's positions (:attr:`Engine.user_versions`, bumped by every reload);
* the base currency it was valued in;
* the wall clock, up to the moment the first of its prices turns stale, and at most one refresh
  interval (a backstop: nothing else it shows depends on the time).

Entries are kept in least-recently-used order within a byte budget.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from pulsefolio.portfolio.engine import Engine, UserBook


@dataclass(frozen=True, slots=True)
class Answer:
    body: bytes
    base_currency: str
    board_version: int
    user_version: int
    assets: tuple[int, ...]
    expires: float  # time.time()


class AnswerCache:
    def __init__(self, engine: Engine, budget_bytes: int, refresh_interval: float) -> None:
        self.engine = engine
        self.budget = budget_bytes
        self.refresh_interval = refresh_interval
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[int, Answer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, user_id: int, base_currency: str) -> bytes | None:
        answer = self._entries.get(user_id)
        if (
            answer is None
            or answer.base_currency != base_currency
            or answer.expires <= time.time()
            or answer.user_version != self.engine.user_versions.get(user_id, 0)
            or not self.engine.board.unchanged_since(answer.board_version, answer.assets)
        ):
            self.misses += 1
            return None
        self.hits += 1
        self._entries.move_to_end(user_id)
        return answer.body

    def put(self, book: UserBook, base_currency: str, body: bytes, board_version: int) -> None:
        """Keep ``body``, made from ``book`` when the board was at ``board_version``."""
        if self.budget <= 0 or len(body) > self.budget:
            return
        assets = tuple(h.asset for h in book.holdings) + tuple(c.asset for c in book.cash)
        answer = Answer(
            body,
            base_currency,
            board_version,
            self.engine.user_versions.get(book.user_id, 0),
            assets,
            self._expiry(assets),
        )
        self.forget(book.user_id)
        self._entries[book.user_id] = answer
        self.size += len(body)
        while self.size > self.budget:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped.body)

    def forget(self, user_id: int) -> None:
        dropped = self._entries.pop(user_id, None)
        if dropped is not None:
            self.size -= len(dropped.body)

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0

    def _expiry(self, assets: tuple[int, ...]) -> float:
        """When the first price still fresh now turns stale (two refresh intervals after its
        as-of time), or one refresh interval from now if that is sooner."""
        now = time.time()
        window = 2 * self.refresh_interval
        quotes = self.engine.board.quotes
        fresh_after = datetime.fromtimestamp(now - window, UTC)
        fresh = [q.as_of for i in assets if (q := quotes[i]) is not None and q.as_of > fresh_after]
        soonest = now + self.refresh_interval
        return min(soonest, min(fresh).timestamp() + window) if fresh else soonest
