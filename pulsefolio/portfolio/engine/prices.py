"""The latest price of every asset and the latest FX rates, held in memory.

Prices arrive from the Redis cache at start-up, from PostgreSQL for what the cache lacks (those
quotes keep ``origin="database"``), and then from the stream. A quote replaces the held one only
if it is newer, so a stream replay after a restart is harmless.

Each asset's quote is kept exactly (:class:`~decimal.Decimal`) for the responses, and mirrored in
float64 arrays (``price_f``, ``previous_f``) for the bulk revaluation.

While Redis is unreachable the board runs on the database (:class:`CacheFallback`): every held
quote is replaced by the latest stored price, later stream quotes are marked ``database`` too
(the asset service stores a price before announcing it), and :meth:`PriceBoard.prices_from`
says ``database``. When Redis answers again the cache's quotes, once rebuilt as new as the held
ones, take over and the origin returns to ``cache``.

FX: ``rate(frm, to)`` answers units of ``to`` per unit of ``frm``, trying in order the direct pair,
the inverse of the reverse pair, and a cross through USD, then through EUR; the answer says which
(``via``). Every figure the service shows is converted with exactly that rate.

Cash: each currency a user holds cash in is a pseudo-asset of the board (negative id, asset
class ``cash``, no symbol a stream quote could reach) with a fixed price of 1 in that currency.
A cash balance is then a position like any other, and an FX change revalues it with the rest.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import numpy as np
import redis.asyncio as aioredis
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.cache import CacheWatch, PriceCache, stored_latest
from pulsefolio.core.domain import FxRate, PriceQuote

ONE = Decimal(1)
CASH_CLASS = "cash"
CASH_SOURCE = "ledger"
CASH_AS_OF = datetime.max.replace(tzinfo=UTC)  # never replaced by a quote
PIVOTS = ("USD", "EUR")
CACHE = "cache"
DATABASE = "database"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AssetInfo:
    id: int
    symbol: str
    name: str
    asset_class: str
    currency: str


@dataclass(frozen=True, slots=True)
class Quote:
    """An asset's price as served: exact price, its currency, time, source and origin."""

    price: Decimal
    previous_close: Decimal | None
    currency: str
    as_of: datetime
    source: str
    origin: str


@dataclass(frozen=True, slots=True)
class HeldRate:
    rate: Decimal
    as_of: datetime
    source: str
    origin: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """``rate`` units of the target per unit of the source; ``via`` says how it was found:
    ``identity``, ``direct``, ``inverse``, ``cross:USD`` or ``cross:EUR``."""

    rate: Decimal
    via: str


class PriceBoard:
    """Assets (metadata and latest quote) by index, plus the FX table."""

    def __init__(self, assets: Sequence[AssetInfo]) -> None:
        self.assets: list[AssetInfo] = []
        self.index: dict[int, int] = {}
        self.by_symbol: dict[str, int] = {}
        self.quotes: list[Quote | None] = []
        self.price_f = np.zeros(0)
        self.previous_f = np.zeros(0)
        self.fx: dict[str, HeldRate] = {}
        self.cash: dict[int, str] = {}  # board index of each cash pseudo-asset -> currency
        self._cash_index: dict[str, int] = {}
        self._cache_down = False
        self.version = 0
        self._moved_all = 0
        self._quote_version: list[int] = []
        self.add_assets(assets)

    def __len__(self) -> int:
        return len(self.assets)

    def _moved(self, idx: int | None = None) -> None:
        """Count one change: of asset ``idx``'s quote, or of what every answer depends on."""
        self.version += 1
        if idx is None:
            self._moved_all = self.version
        else:
            self._quote_version[idx] = self.version

    def unchanged_since(self, version: int, assets: Iterable[int]) -> bool:
        """Whether nothing an answer over ``assets`` (board indexes) shows has changed since
        :attr:`version` was ``version``: their quotes, the FX table and the prices' origin."""
        seen = self._quote_version
        return self._moved_all <= version and all(seen[i] <= version for i in assets)

    @property
    def cache_down(self) -> bool:
        return self._cache_down

    @cache_down.setter
    def cache_down(self, down: bool) -> None:
        if down != self._cache_down:
            self._cache_down = down
            self._moved()

    def add_assets(self, assets: Iterable[AssetInfo]) -> list[int]:
        """Register assets not yet known; return their indexes."""
        fresh = [a for a in assets if a.id not in self.index]
        for asset in fresh:
            self.index[asset.id] = len(self.assets)
            self.by_symbol[asset.symbol] = len(self.assets)
            self.assets.append(asset)
            self.quotes.append(None)
            self._quote_version.append(self.version)
        self.price_f = np.concatenate([self.price_f, np.zeros(len(fresh))])
        self.previous_f = np.concatenate([self.previous_f, np.zeros(len(fresh))])
        return [self.index[a.id] for a in fresh]

    def cash_index(self, currency: str) -> int:
        """The board index of cash in ``currency`` (price 1), registered on first use."""
        idx = self._cash_index.get(currency)
        if idx is not None:
            return idx
        idx = len(self.assets)
        info = AssetInfo(-(len(self._cash_index) + 1), "", f"Cash {currency}", CASH_CLASS, currency)
        self.index[info.id] = idx
        self.assets.append(info)
        self.quotes.append(None)
        self._quote_version.append(self.version)
        self.price_f = np.append(self.price_f, 0.0)
        self.previous_f = np.append(self.previous_f, 0.0)
        self.set_quote(idx, Quote(ONE, ONE, currency, CASH_AS_OF, CASH_SOURCE, CACHE))
        self._cash_index[currency] = idx
        self.cash[idx] = currency
        return idx

    def market_quotes(self) -> list[Quote]:
        """The quotes of real assets (cash pseudo-assets left out)."""
        return [q for i, q in enumerate(self.quotes) if q is not None and i not in self.cash]

    def set_quote(self, idx: int, quote: Quote) -> bool:
        """Hold ``quote`` for asset ``idx`` if newer than the held one; True if it was."""
        held = self.quotes[idx]
        if held is not None and held.as_of >= quote.as_of:
            return False
        self.quotes[idx] = quote
        self._moved(idx)
        self.price_f[idx] = float(quote.price)
        previous = quote.previous_close if quote.previous_close is not None else quote.price
        self.previous_f[idx] = float(previous)
        return True

    @property
    def origin(self) -> str:
        """Where new quotes come from now: the cache, or the database while it is down."""
        return DATABASE if self.cache_down else CACHE

    def prices_from(self, quotes: Iterable[Quote | None]) -> str:
        """``database`` while the cache is down or if any of ``quotes`` came from the database."""
        if self.cache_down or any(q is not None and q.origin == DATABASE for q in quotes):
            return DATABASE
        return CACHE

    def apply_quotes(self, quotes: Iterable[PriceQuote], origin: str | None = None) -> list[int]:
        """Apply quotes of known symbols; return the indexes of assets whose price changed."""
        origin = origin or self.origin
        changed = []
        for q in quotes:
            idx = self.by_symbol.get(q.symbol)
            if idx is None:
                continue
            quote = Quote(q.price, q.previous_close, q.currency, q.as_of, q.source, origin)
            if self.set_quote(idx, quote):
                changed.append(idx)
        return changed

    def set_rate(self, pair: str, held: HeldRate) -> bool:
        current = self.fx.get(pair)
        if current is not None and current.as_of >= held.as_of:
            return False
        self.fx[pair] = held
        self._moved()
        return True

    def apply_fx(self, rates: Iterable[FxRate], origin: str | None = None) -> bool:
        """Apply rates newer than those held; True if any changed."""
        origin = origin or self.origin
        changed = False
        for r in rates:
            changed |= self.set_rate(r.pair, HeldRate(r.rate, r.as_of, r.source, origin))
        return changed

    def take_over(self, quotes: Iterable[PriceQuote], rates: Iterable[FxRate], origin: str) -> int:
        """Hold each quote and rate at least as new as the held one, marked ``origin`` (an equal
        time replaces too, so the origin changes); return how many held ones are newer.

        Taking over from the database, a held quote newer than the stored one is kept but marked
        ``database`` as well: it reached the board from the stream while the stored prices were
        being read, and the asset service stores a price before announcing it."""
        newer = 0
        for q in quotes:
            idx = self.by_symbol.get(q.symbol)
            held = None if idx is None else self.quotes[idx]
            if idx is None or (held is not None and held.as_of > q.as_of):
                if idx is not None and held is not None:
                    newer += 1
                    if (remarked := _remarked(held, origin)) is not None:
                        self.quotes[idx] = remarked
                        self._moved(idx)
                continue
            self.quotes[idx] = None
            self.set_quote(idx, Quote(q.price, q.previous_close, q.currency, q.as_of, q.source,
                                      origin))  # fmt: skip
        for r in rates:
            current = self.fx.get(r.pair)
            if current is not None and current.as_of > r.as_of:
                newer += 1
                if (remarked_rate := _remarked(current, origin)) is not None:
                    self.fx[r.pair] = remarked_rate
                    self._moved()
                continue
            self.fx[r.pair] = HeldRate(r.rate, r.as_of, r.source, origin)
            self._moved()
        return newer

    def _leg(self, frm: str, to: str) -> Decimal | None:
        if frm == to:
            return ONE
        direct = self.fx.get(frm + to)
        if direct is not None:
            return direct.rate
        reverse = self.fx.get(to + frm)
        if reverse is not None and reverse.rate:
            return ONE / reverse.rate
        return None

    def rate(self, frm: str, to: str) -> Conversion | None:
        """Units of ``to`` per unit of ``frm``, or None when no pair or cross connects them."""
        if frm == to:
            return Conversion(ONE, "identity")
        if (direct := self.fx.get(frm + to)) is not None:
            return Conversion(direct.rate, "direct")
        if (reverse := self.fx.get(to + frm)) is not None and reverse.rate:
            return Conversion(ONE / reverse.rate, "inverse")
        for pivot in PIVOTS:
            first, second = self._leg(frm, pivot), self._leg(pivot, to)
            if first is not None and second is not None:
                return Conversion(first * second, f"cross:{pivot}")
        return None

    def float_rate(self, frm: str, to: str) -> float:
        """:meth:`rate` as a float for the bulk path; NaN when there is none."""
        found = self.rate(frm, to)
        return float(found.rate) if found is not None else float("nan")


class CacheNotRebuilt(Exception):
    """Redis answers, but still holds older prices than the board: wait for the rebuild."""


class CacheFallback:
    """Moves ``board`` onto the database's prices while Redis is down, and back after."""

    def __init__(
        self, board: PriceBoard, db: AsyncEngine, cache: PriceCache, revalue: Callable[[], None]
    ) -> None:
        self.board = board
        self.db = db
        self.cache = cache
        self.revalue = revalue

    async def to_database(self) -> None:
        quotes, rates = await stored_latest(self.db)
        self.board.cache_down = True
        self.board.take_over(quotes, rates, DATABASE)
        self.revalue()
        log.warning("price cache down: valuing from the stored prices")

    async def to_cache(self) -> None:
        quotes = await self.cache.get_prices()
        rates = await self.cache.get_fx()
        older = self.board.take_over(quotes.values(), rates.values(), CACHE)
        self.revalue()
        if older and self.board.cache_down:
            raise CacheNotRebuilt(f"{older} cached prices older than those held")
        self.board.cache_down = False


@asynccontextmanager
async def watch_cache(
    board: PriceBoard,
    db: AsyncEngine,
    redis: aioredis.Redis,
    cache: PriceCache,
    revalue: Callable[[], None],
    interval: float = 1.0,
) -> AsyncIterator[CacheWatch]:
    """Run a :class:`CacheWatch` that switches ``board`` between cache and database."""
    fallback = CacheFallback(board, db, cache, revalue)
    watch = CacheWatch(
        redis, on_up=fallback.to_cache, on_down=fallback.to_database, interval=interval
    )
    async with watch.running():
        yield watch


Held = TypeVar("Held", Quote, HeldRate)


def _remarked(held: Held, origin: str) -> Held | None:
    """``held`` marked ``database`` when the board takes over from the database, else None."""
    return (
        replace(held, origin=DATABASE) if origin == DATABASE and held.origin != DATABASE else None
    )
