"""The latest price of every asset and the latest FX rates, held in memory.

Prices arrive from the Redis cache at start-up, from PostgreSQL for what the cache lacks (those
quotes keep ``origin="database"``), and then from the stream. A quote replaces the held one only
if it is newer, so a stream replay after a restart is harmless.

Each asset's quote is kept exactly (:class:`~decimal.Decimal`) for the responses, and mirrored in
float64 arrays (``price_f``, ``previous_f``) for the bulk revaluation.

FX: ``rate(frm, to)`` answers units of ``to`` per unit of ``frm``, trying in order the direct pair,
the inverse of the reverse pair, and a cross through USD, then through EUR; the answer says which
(``via``). Every figure the service shows is converted with exactly that rate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np

from pulsefolio.core.domain import FxRate, PriceQuote

ONE = Decimal(1)
PIVOTS = ("USD", "EUR")
CACHE = "cache"
DATABASE = "database"


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
        self.add_assets(assets)

    def __len__(self) -> int:
        return len(self.assets)

    def add_assets(self, assets: Iterable[AssetInfo]) -> list[int]:
        """Register assets not yet known; return their indexes."""
        fresh = [a for a in assets if a.id not in self.index]
        for asset in fresh:
            self.index[asset.id] = len(self.assets)
            self.by_symbol[asset.symbol] = len(self.assets)
            self.assets.append(asset)
            self.quotes.append(None)
        self.price_f = np.concatenate([self.price_f, np.zeros(len(fresh))])
        self.previous_f = np.concatenate([self.previous_f, np.zeros(len(fresh))])
        return [self.index[a.id] for a in fresh]

    def set_quote(self, idx: int, quote: Quote) -> bool:
        """Hold ``quote`` for asset ``idx`` if newer than the held one; True if it was."""
        held = self.quotes[idx]
        if held is not None and held.as_of >= quote.as_of:
            return False
        self.quotes[idx] = quote
        self.price_f[idx] = float(quote.price)
        previous = quote.previous_close if quote.previous_close is not None else quote.price
        self.previous_f[idx] = float(previous)
        return True

    def apply_quotes(self, quotes: Iterable[PriceQuote], origin: str = CACHE) -> list[int]:
        """Apply quotes of known symbols; return the indexes of assets whose price changed."""
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
        return True

    def apply_fx(self, rates: Iterable[FxRate], origin: str = CACHE) -> bool:
        """Apply rates newer than those held; True if any changed."""
        changed = False
        for r in rates:
            changed |= self.set_rate(r.pair, HeldRate(r.rate, r.as_of, r.source, origin))
        return changed

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
