"""Daily closes of the demo assets: one seeded geometric Brownian motion per asset.

Every asset has a close on each business day (Monday to Friday) from :data:`START`, a little
before the oldest trade, to the day asked for. The walk uses the simulated market's drift and
volatility of the asset's class, with daily steps of ``1/252`` year, and passes through the
asset's price at the demo's anchor. Each asset draws from a NumPy generator of its own, keyed by
(seed, symbol), one draw per business day from :data:`START`: a longer series only appends,
so the closes up to any day never depend on the day the seed runs.

Closes are rounded like the simulated market's prices (cents from 10 up, 4 decimals from 0.01,
8 below), and trades take their prices from here (:meth:`Closes.close_on`), so the ledger and
the value history agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import numpy as np

from pulsefolio.assets.sources.simulated import DRIFT, VOLATILITY
from pulsefolio.portfolio.demo.universe import UniverseAsset

START = date(2020, 10, 1)  # before the oldest account opens (1500 days before the anchor)
CLOSE = time(21, 0, tzinfo=UTC)
DT = 1 / 252
LEAD = 5  # business days stored before an asset's first trade
UNTRADED = 22  # business days stored of an asset nobody trades: the month before today

COLUMNS = ("asset_id", "as_of", "source", "price", "currency", "previous_close", "fetched_at")


def business_days(first: date, last: date) -> np.ndarray:
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    return days[np.is_busday(days)]


@dataclass
class Closes:
    """``days``: the business days, ascending; ``paths[symbol]``: the unrounded closes on those
    days. Rounded closes are written out (:func:`as_text`) only for the days stored or traded."""

    days: np.ndarray
    paths: dict[str, np.ndarray]

    def index_on(self, day: date) -> int:
        """The last business day on or before ``day`` (the first one before :data:`START`)."""
        return max(int(np.searchsorted(self.days, np.datetime64(day, "D"), side="right")) - 1, 0)

    def close_on(self, symbol: str, day: date) -> Decimal:
        return Decimal(as_text(float(self.paths[symbol][self.index_on(day)])))

    def texts(self, symbol: str) -> list[str]:
        """Every close of ``symbol`` as text, for tests and small series."""
        return [as_text(x) for x in self.paths[symbol].tolist()]

    def copy_text(
        self,
        asset_ids: Mapping[str, int],
        currencies: Mapping[str, str],
        first_trades: Mapping[str, date],
        now: datetime,
    ) -> bytes:
        """``price_history`` rows in COPY text format (columns :data:`COLUMNS`) of the assets in
        ``asset_ids``, one per business day whose 21:00 UTC close is not after ``now``: from
        :data:`LEAD` days before the asset's first trade, or for the last :data:`UNTRADED` days
        if nobody trades it (a shorter history seeds faster). Text, not binary records: encoding
        a few hundred thousand Decimals and datetimes in the client took longer than the rest of
        the seed."""
        closes = [datetime.combine(day, CLOSE) for day in self.days.tolist()]
        last = len(closes) - 1
        while last > 0 and closes[last] > now:
            last -= 1
        stamps = [moment.isoformat() for moment in closes]
        fetched = now.isoformat()
        out: list[str] = []
        for symbol, path in self.paths.items():
            if symbol not in asset_ids:
                continue
            traded = first_trades.get(symbol)
            first = max(last - UNTRADED if traded is None else self.index_on(traded) - LEAD, 1)
            prices = [as_text(x) for x in path[first - 1 : last + 1].tolist()]
            head, tail = f"{asset_ids[symbol]}\t", f"\t{currencies[symbol]}\t"
            out.extend(
                f"{head}{stamps[first + k]}\tsimulated\t{price}{tail}{prices[k]}\t{fetched}\n"
                for k, price in enumerate(prices[1:])
            )
        return "".join(out).encode()


def as_text(close: float) -> str:
    """A close rounded like the simulated market's prices: cents from 10 up, 4 decimals from
    0.01, 8 below."""
    return f"{close:.{2 if close >= 10 else 4 if close >= 0.01 else 8}f}"


def _generator(seed: int, symbol: str) -> np.random.Generator:
    digest = hashlib.blake2b(f"demo-closes|{seed}|{symbol}".encode(), digest_size=8).digest()
    return np.random.default_rng(int.from_bytes(digest, "big"))


def closes(
    seed: int,
    assets: Sequence[UniverseAsset],
    anchors: Mapping[str, Decimal],
    anchor: date,
    last: date,
) -> Closes:
    """The closes of every asset from :data:`START` to ``last`` (at least to ``anchor``),
    through ``anchors[symbol]`` on the last business day on or before ``anchor``."""
    days = business_days(START, max(last, anchor + timedelta(days=1)))
    at = max(int(np.searchsorted(days, np.datetime64(anchor, "D"), side="right")) - 1, 0)
    paths: dict[str, np.ndarray] = {}
    for asset in assets:
        sigma = float(VOLATILITY[asset.asset_class])
        mu = float(DRIFT[asset.asset_class])
        steps = (mu - sigma * sigma / 2) * DT + sigma * np.sqrt(DT) * _generator(
            seed, asset.symbol
        ).standard_normal(len(days))
        steps[0] = 0.0
        level = np.cumsum(steps)
        paths[asset.symbol] = float(anchors[asset.symbol]) * np.exp(level - level[at])
    return Closes(days, paths)
