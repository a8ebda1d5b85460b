"""The simulated market: the embedded default source, so the platform is live without internet.

Each symbol follows its own geometric Brownian motion, ``ln P(k) = ln P0 + (mu - sigma^2/2) k dt
+ sigma sqrt(dt) B(k)``, where ``B`` is a standard random walk sampled at whole steps of
``step_seconds`` since ``origin``. Volatility ``sigma`` and drift ``mu`` depend on the asset
class. A symbol with an anchor ``(P1, t1)`` (its latest stored price) walks on from there
instead: ``P(k) = P1 exp((mu - sigma^2/2)(k - k1) dt + sigma sqrt(dt) (B(k) - B(k1)))`` with
``k1`` the step of ``t1``, so the first live price joins the stored history without a jump, and
an anchor taken later on the same walk gives the same prices (up to the stored rounding).
The walk is built by Brownian-bridge refinement over 2**40 steps (Lévy's construction):
every node's normal draw comes from a hash of (seed, symbol, node), so ``B(k)`` costs 40 draws
and the price of symbol S at step k depends only on (seed, S, k, start price). Two processes,
or two runs a week apart, agree without sharing any state.

Normal draws are binary floats (the inverse normal CDF); everything after them runs in Decimal,
and prices come out quantized: cents from 10 up, 4 decimals from 0.01, 8 below. FX rates come
from one walk per currency against USD, so cross rates stay consistent with each other.
Ticker format: any string; our own symbol is used. Timezone: UTC, ``as_of`` is the step's time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from statistics import NormalDist

from pulsefolio.assets.sources.base import (
    FxPair,
    FxResult,
    FxSource,
    QuoteResult,
    QuoteSource,
    SymbolRequest,
    UnknownSymbol,
    fx_results,
    utc_now,
)
from pulsefolio.core.domain import AssetClass, PriceQuote

ORIGIN = datetime(2026, 1, 1, tzinfo=UTC)
LEVELS = 40  # part of the definition: changing it changes every price
YEAR_SECONDS = Decimal(365 * 86400 + 86400 // 4)

VOLATILITY = {
    AssetClass.STOCK: Decimal("0.25"),
    AssetClass.ETF: Decimal("0.15"),
    AssetClass.MUTUAL_FUND: Decimal("0.12"),
    AssetClass.BOND: Decimal("0.05"),
    AssetClass.CRYPTO: Decimal("0.70"),
    AssetClass.CASH: Decimal(0),
}
DRIFT = {
    AssetClass.STOCK: Decimal("0.06"),
    AssetClass.ETF: Decimal("0.05"),
    AssetClass.MUTUAL_FUND: Decimal("0.05"),
    AssetClass.BOND: Decimal("0.02"),
    AssetClass.CRYPTO: Decimal("0.08"),
    AssetClass.CASH: Decimal(0),
}
FX_VOLATILITY = Decimal("0.08")
# Rough units per US dollar at the origin; a pair with a currency not listed is unknown.
FX_START = {
    code: Decimal(rate)
    for code, rate in {
        "USD": "1", "EUR": "0.92", "GBP": "0.79", "JPY": "150", "CHF": "0.88", "CAD": "1.36",
        "AUD": "1.52", "NZD": "1.65", "INR": "83", "CNY": "7.2", "HKD": "7.8", "SGD": "1.34",
        "SEK": "10.5", "NOK": "10.7", "DKK": "6.9", "ZAR": "18.5", "BRL": "5.0", "MXN": "17.5",
        "KRW": "1350",
    }.items()
}  # fmt: skip
_NORMAL = NormalDist()


@lru_cache(maxsize=65536)
def _draw(seed: int, symbol: str, node: int) -> Decimal:
    """The standard normal draw of one bridge node: a pure function of its arguments."""
    digest = hashlib.blake2b(f"{seed}|{symbol}|{node}".encode(), digest_size=8).digest()
    uniform = ((int.from_bytes(digest, "big") >> 11) + 0.5) / 2**53  # strictly inside (0, 1)
    return Decimal(_NORMAL.inv_cdf(uniform))


def walk(seed: int, symbol: str, step: int) -> Decimal:
    """B(step): a standard random walk with unit-variance increments, B(0) = 0."""
    low, high = 0, 2**LEVELS
    at_low, at_high = Decimal(0), Decimal(2 ** (LEVELS // 2)) * _draw(seed, symbol, high)
    step = max(0, min(step, high))
    while True:
        if step == low:
            return at_low
        if step == high:
            return at_high
        middle = (low + high) // 2
        spread = (Decimal(high - low) / 4).sqrt()
        at_middle = (at_low + at_high) / 2 + spread * _draw(seed, symbol, middle)
        if step < middle:
            high, at_high = middle, at_middle
        else:
            low, at_low = middle, at_middle


def quantize_price(price: Decimal) -> Decimal:
    places = 2 if price >= 10 else 4 if price >= Decimal("0.01") else 8
    return price.quantize(Decimal(1).scaleb(-places))


class SimulatedMarket(QuoteSource, FxSource):
    name = "simulated"

    def __init__(
        self,
        seed: int = 42,
        *,
        step_seconds: float = 60.0,
        origin: datetime = ORIGIN,
        start_prices: Mapping[str, Decimal] | None = None,
        anchors: Mapping[str, tuple[Decimal, datetime]] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``start_prices``: prices at step 0; ``anchors``: (price, time) to walk on from, by
        symbol, and ``FX:<code>`` for units of a currency per US dollar."""
        if step_seconds <= 0 or origin.tzinfo is None:
            raise ValueError("the simulated market needs step_seconds > 0 and an aware origin")
        self.seed, self.origin, self.clock = seed, origin, clock
        self.step = timedelta(seconds=step_seconds)
        self._dt = Decimal(str(step_seconds)) / YEAR_SECONDS
        self.start_prices = dict(start_prices or {})
        self.start_prices.update({symbol: price for symbol, (price, _) in (anchors or {}).items()})
        self.start_steps = {symbol: self.step_at(at) for symbol, (_, at) in (anchors or {}).items()}

    def step_at(self, moment: datetime) -> int:
        return max(0, int((moment - self.origin) / self.step))

    def start_price(self, symbol: str, asset_class: AssetClass) -> Decimal:
        """The given start price, else one derived from the symbol (10 to 500; crypto x100)."""
        if symbol in self.start_prices:
            return self.start_prices[symbol]
        if asset_class is AssetClass.CASH:
            return Decimal(1)
        digest = hashlib.blake2b(f"start|{symbol}".encode(), digest_size=8).digest()
        price = Decimal(1000 + int.from_bytes(digest, "big") % 49000) / 100
        return price * 100 if asset_class is AssetClass.CRYPTO else price

    def _level(
        self, key: str, start: Decimal, sigma: Decimal, mu: Decimal, step: int, since: int = 0
    ) -> Decimal:
        drift = (mu - sigma * sigma / 2) * (step - since) * self._dt
        moved = walk(self.seed, key, step) - (walk(self.seed, key, since) if since else 0)
        return start * (drift + sigma * self._dt.sqrt() * moved).exp()

    def price(self, symbol: str, asset_class: AssetClass, step: int) -> Decimal:
        """The quantized price of ``symbol`` at ``step``."""
        start = self.start_price(symbol, asset_class)
        sigma, mu = VOLATILITY[asset_class], DRIFT[asset_class]
        since = self.start_steps.get(symbol, 0)
        return quantize_price(self._level(symbol, start, sigma, mu, step, since))

    def rate(self, pair: FxPair, step: int) -> Decimal:
        """Units of ``pair.quote`` per ``pair.base`` at ``step``, to 8 significant digits."""
        for code in (pair.base, pair.quote):
            if code not in FX_START:
                raise UnknownSymbol(f"{self.name}: no simulated rate for {code[:10]!r}")

        def per_usd(code: str) -> Decimal:
            if code == "USD":
                return Decimal(1)
            key = f"FX:{code}"  # anchored like a symbol: "FX:EUR" is EUR per USD
            start, since = self.start_prices.get(key, FX_START[code]), self.start_steps.get(key, 0)
            return self._level(key, start, FX_VOLATILITY, Decimal(0), step, since)

        rate = per_usd(pair.quote) / per_usd(pair.base)
        return rate.quantize(Decimal(1).scaleb(rate.adjusted() - 7))

    async def fetch(self, requests: Sequence[SymbolRequest]) -> list[QuoteResult]:
        fetched_at = self.clock()
        step = self.step_at(fetched_at)
        as_of = self.origin + step * self.step
        results = []
        for request in requests:
            price = self.price(request.symbol, request.asset_class, step)
            previous = self.price(request.symbol, request.asset_class, step - 1) if step else None
            quote = PriceQuote(
                symbol=request.symbol,
                price=price,
                currency=request.currency or "USD",
                as_of=as_of,
                fetched_at=fetched_at,
                source=self.name,
                previous_close=previous,
            )
            results.append(QuoteResult(request, quote=quote))
        return results

    async def fetch_fx(self, pairs: Sequence[FxPair]) -> list[FxResult]:
        fetched_at = self.clock()
        step = self.step_at(fetched_at)
        as_of = self.origin + step * self.step
        return fx_results(pairs, lambda pair: self.rate(pair, step), as_of, fetched_at, self.name)
