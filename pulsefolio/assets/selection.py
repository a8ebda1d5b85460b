"""Choosing a price: which sources serve which asset, in fallback order, and which answer wins.

Each asset has an ordered list of sources (``asset_sources``, lowest priority first). Sources are
asked in that order, skipping those :class:`SourceHealth` has shut out, until ``consult`` of them
have answered; a failure moves the asset on to its next source. Where two or more answered, a
quote further than ``max_deviation`` (a fraction, 10 % by default) from their median is rejected
and reported: with two sources that disagree, both are, since neither can be trusted over the
other. Of what is left, the first in priority order that is newer than the price already held
wins. A quote that is not a finite positive number, is in the wrong currency, claims a time in
the future, or comes from a source that is unhealthy by the time we decide, is never chosen.

Requests are grouped per source, so one round costs one call per source, not per asset. FX pairs
go through the same rules with an ordered list of FX sources.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from statistics import median
from typing import Generic, TypeVar

from pulsefolio.assets.source_status import SourceHealth
from pulsefolio.assets.sources.base import (
    FxPair,
    FxSource,
    QuoteSource,
    Source,
    SourceUnavailable,
    SymbolRequest,
)
from pulsefolio.core.domain import AssetClass, FxRate, PriceQuote

log = logging.getLogger(__name__)

DEFAULT_MAX_DEVIATION = Decimal("0.10")
FUTURE_TOLERANCE = timedelta(minutes=5)

Q = TypeVar("Q", PriceQuote, FxRate)
R = TypeVar("R", bound=Hashable)


@dataclass(frozen=True, slots=True)
class SourceRef:
    source: str
    provider_symbol: str


@dataclass(frozen=True, slots=True)
class AssetPlan:
    """One asset to price and its sources in the order to try them."""

    asset_id: int
    symbol: str
    currency: str
    asset_class: AssetClass
    sources: tuple[SourceRef, ...]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A quote or source answer we refused, and why; reported, never written."""

    key: str
    source: str
    reason: str
    value: Decimal | None = None


@dataclass
class Choice(Generic[Q]):
    """The outcome of one selection: winners by key, and everything that did not make it."""

    chosen: dict[str, Q] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # answered, but no newer than held
    unpriced: list[str] = field(default_factory=list)  # no usable answer at all


@dataclass
class _Item(Generic[R]):
    key: str
    refs: list[tuple[str, R]]  # (source name, request) in order
    position: int = 0
    answers: list[tuple[str, Decimal, object]] = field(default_factory=list)


def _value(quote: PriceQuote | FxRate) -> Decimal:
    return quote.price if isinstance(quote, PriceQuote) else quote.rate


def _fault(quote: PriceQuote | FxRate, currency: str | None) -> str | None:
    """Why a quote can never be written, or None if it is sound on its own."""
    value = _value(quote)
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        return "not a finite positive number"
    if quote.as_of.tzinfo is None or quote.fetched_at.tzinfo is None:
        return "naive timestamp"
    if quote.as_of > quote.fetched_at + FUTURE_TOLERANCE:
        return "as-of time in the future"
    if isinstance(quote, PriceQuote) and currency and quote.currency != currency:
        return f"currency {quote.currency} instead of {currency}"
    return None


class Selector:
    """Asks sources for prices and decides which answers may be written."""

    def __init__(
        self,
        sources: Mapping[str, Source],
        health: SourceHealth,
        *,
        max_deviation: Decimal = DEFAULT_MAX_DEVIATION,
        consult: int = 3,
        concurrency: int = 4,
        timeout: float = 30.0,
    ) -> None:
        if consult < 1 or max_deviation <= 0:
            raise ValueError("consult must be at least 1 and max_deviation positive")
        self.sources = dict(sources)
        self.health = health
        self.max_deviation = max_deviation
        self.consult = consult
        self.timeout = timeout
        self._limit = asyncio.Semaphore(concurrency)

    async def select(
        self, plans: Sequence[AssetPlan], held: Mapping[str, PriceQuote]
    ) -> Choice[PriceQuote]:
        """Ask the plans' sources and pick at most one quote per asset symbol."""
        currencies = {plan.symbol: plan.currency for plan in plans}
        items = [
            _Item(
                plan.symbol,
                [
                    (ref.source, SymbolRequest(plan.symbol, ref.provider_symbol, plan.currency,
                                               plan.asset_class))
                    for ref in plan.sources
                ],
            )
            for plan in plans
        ]  # fmt: skip

        async def call(source: Source, requests: list[SymbolRequest]) -> list[object]:
            if not isinstance(source, QuoteSource):
                raise SourceUnavailable(f"{source.name}: does not serve quotes")
            return [r.quote if r.ok else r.error for r in await source.fetch(requests)]

        choice: Choice[PriceQuote] = Choice()
        await self._gather(items, call, choice, currencies)
        self._decide(items, choice, lambda key: held.get(key))
        return choice

    async def select_fx(
        self, pairs: Sequence[FxPair], sources: Sequence[str], held: Mapping[str, FxRate]
    ) -> Choice[FxRate]:
        """Ask ``sources`` in order for ``pairs``; keys are pair names such as ``EURUSD``."""
        items = [_Item(str(pair), [(name, pair) for name in sources]) for pair in pairs]

        async def call(source: Source, requests: list[FxPair]) -> list[object]:
            if not isinstance(source, FxSource):
                raise SourceUnavailable(f"{source.name}: does not serve FX rates")
            return [r.quote if r.ok else r.error for r in await source.fetch_fx(requests)]

        choice: Choice[FxRate] = Choice()
        await self._gather(items, call, choice, {})
        self._decide(items, choice, lambda key: held.get(key))
        return choice

    async def _gather(
        self,
        items: list[_Item[R]],
        call: Callable[[Source, list[R]], Awaitable[list[object]]],
        choice: Choice[Q],
        currencies: Mapping[str, str],
    ) -> None:
        """Ask round after round, one batched call per source, until every item is settled."""
        while True:
            batches: dict[str, list[_Item[R]]] = {}
            for item in items:
                target = self._next_source(item, choice)
                if target is not None:
                    batches.setdefault(target, []).append(item)
            if not batches:
                return
            await asyncio.gather(
                *(self._ask(name, batch, call, choice, currencies) for name, batch in
                  batches.items())
            )  # fmt: skip

    def _next_source(self, item: _Item[R], choice: Choice[Q]) -> str | None:
        if len(item.answers) >= self.consult:
            return None
        while item.position < len(item.refs):
            name = item.refs[item.position][0]
            if name not in self.sources:
                choice.rejections.append(Rejection(item.key, name, "no such source"))
            elif self.health.healthy(name):
                return name
            item.position += 1
        return None

    async def _ask(
        self,
        name: str,
        batch: list[_Item[R]],
        call: Callable[[Source, list[R]], Awaitable[list[object]]],
        choice: Choice[Q],
        currencies: Mapping[str, str],
    ) -> None:
        requests = [item.refs[item.position][1] for item in batch]
        for item in batch:
            item.position += 1
        started = time.monotonic()
        try:
            async with self._limit:
                results = await asyncio.wait_for(call(self.sources[name], requests), self.timeout)
            if len(results) != len(requests):
                raise SourceUnavailable(f"{name}: {len(results)} results for {len(requests)}")
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            error = SourceUnavailable(f"{name}: no answer within {self.timeout} s")
            self.health.failure(name, error, time.monotonic() - started)
            log.warning("source %s failed: %s", name, error)
            return
        except Exception as exc:
            self.health.failure(name, exc, time.monotonic() - started)
            log.warning("source %s failed: %s: %s", name, type(exc).__name__, exc)
            return
        symbol_errors = 0
        for item, result in zip(batch, results, strict=True):
            if isinstance(result, (PriceQuote, FxRate)):
                fault = _fault(result, currencies.get(item.key))
                if fault is None:
                    item.answers.append((name, _value(result), result))
                    continue
                choice.rejections.append(Rejection(item.key, name, fault, _value(result)))
                self.health.reject(name)
            else:
                symbol_errors += 1
                choice.rejections.append(Rejection(item.key, name, f"{result}"))
        self.health.success(name, time.monotonic() - started, symbol_errors)

    def _decide(
        self,
        items: list[_Item[R]],
        choice: Choice[Q],
        held: Callable[[str], PriceQuote | FxRate | None],
    ) -> None:
        for item in items:
            answers = []
            for name, value, quote in item.answers:
                if self.health.healthy(name):
                    answers.append((name, value, quote))
                else:
                    choice.rejections.append(Rejection(item.key, name, "source unhealthy", value))
            if len(answers) >= 2:
                middle = median(value for _, value, _ in answers)
                kept = []
                for name, value, quote in answers:
                    if abs(value - middle) > self.max_deviation * middle:
                        reason = f"outlier: {value} against median {middle}"
                        choice.rejections.append(Rejection(item.key, name, reason, value))
                        self.health.reject(name)
                        log.warning("rejected %s from %s: %s", item.key, name, reason)
                    else:
                        kept.append((name, value, quote))
                answers = kept
            if not answers:
                choice.unpriced.append(item.key)
                continue
            current = held(item.key)
            newer = [q for _, _, q in answers if current is None or q.as_of > current.as_of]  # type: ignore[attr-defined]
            if newer:
                choice.chosen[item.key] = newer[0]  # type: ignore[assignment]
            else:
                choice.unchanged.append(item.key)
