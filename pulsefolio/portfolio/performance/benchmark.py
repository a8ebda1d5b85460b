"""The caller's portfolio (or one account) beside a benchmark asset over one range.

Conventions (see ``docs/money.md``, "Benchmark"):

* The points fall on the days ``/history`` answers for the same range and interval. The
  portfolio's figure is its cumulative time-weighted return from the range's start (the TWR
  of :mod:`.service`), so the last one is ``/performance``'s ``twr``.
* The benchmark's is its price return in the base currency: the asset's last stored price of
  each UTC day, carried forward over days without one, times that day's base-per-unit rate,
  over the same at the close of the range's start (``benchmark_start``). Without a price by
  then, it starts from the first priced day in the range, and the points before are null.
  ``benchmark_return_local`` is the same in the asset's currency. Dividends are not in it.
* Drawdowns run over every day of the range (points sampled by week or month keep them);
  ``excess_return`` is ``twr - benchmark_return`` as both are printed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset
from pulsefolio.core.errors import NotFound
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.ledger.fx import load_points
from pulsefolio.portfolio.performance import repository, schemas
from pulsefolio.portfolio.performance.series import daily_rate, sample_rows
from pulsefolio.portfolio.performance.service import fraction, performance_service
from pulsefolio.portfolio.valuation import (
    DateRange,
    MaxDrawdown,
    Series,
    drawdowns,
    max_drawdown,
    time_weighted_return,
    twr_path,
)


class BenchmarkService:
    async def compare(
        self,
        session: AsyncSession,
        user: CurrentUser,
        account_id: int | None,
        query: schemas.BenchmarkQuery,
    ) -> schemas.Benchmark:
        """The caller's portfolio, or their account ``account_id``, beside the asset; NotFound
        for an unknown asset or another user's account."""
        sel = schemas.Selection(account_id, None, query.range, query.capitalize)
        scope, rng, dates, series = await performance_service.prepare(session, user, sel)
        asset = await session.get(Asset, query.asset_id)
        if asset is None:
            raise NotFound(f"no such asset: asset_id {query.asset_id}")
        answer = _empty(rng, query.interval, scope.base_currency, asset)
        if series is None or not len(dates):
            return answer
        last = len(dates) - 1
        s = min(max((rng.start - dates[0].item()).days, -1), last)
        e = min((rng.end - dates[0].item()).days, last)
        first = max(s, 0)
        if e < first:
            return answer
        days = dates[first : e + 1]
        flows = (series.values, series.inflows, s, e, series.outflows)
        mine = twr_path(*flows)
        answer.twr = fraction(time_weighted_return(*flows)) or "0.000000"
        answer.max_drawdown.portfolio = _drawdown(max_drawdown(days, mine, rng.start))
        fx = scope.fx
        if asset.currency != scope.base_currency and asset.currency not in fx:
            points = await load_points(session, asset.currency, scope.base_currency)
            fx = {asset.currency: Series.of(points)}
        closes = (await repository.daily_prices(session, [asset.id])).get(asset.id, [])
        prices = Series.of(closes)
        theirs = _price_return(prices, fx, asset.currency, scope.base_currency, rng, days)
        in_base = np.full(len(days), np.nan) if theirs is None else theirs[1]
        if theirs is not None:
            _describe(answer, days, *theirs)
        rows = sample_rows(dates, first, e, query.interval.value) - first
        answer.points = _points(days, rows, mine, in_base)
        return answer


def _empty(
    rng: DateRange, interval: schemas.Interval, base: str, asset: Asset
) -> schemas.Benchmark:
    return schemas.Benchmark(
        range=rng.name, interval=interval, start=rng.start, end=rng.end, base_currency=base,
        asset=schemas.BenchmarkAsset(asset_id=asset.id, symbol=asset.symbol, name=asset.name,
                                     currency=asset.currency),
        benchmark_start=None, twr=None, benchmark_return=None, benchmark_return_local=None,
        excess_return=None, max_drawdown=schemas.MaxDrawdowns(portfolio=None, benchmark=None),
        points=[],
    )  # fmt: skip


def _describe(
    answer: schemas.Benchmark,
    days: np.ndarray,
    reference: date,
    in_base: np.ndarray,
    local: np.ndarray,
) -> None:
    """The benchmark's return, excess and maximum drawdown into ``answer`` (its TWR set)."""
    valid = ~np.isnan(in_base)
    total = fraction(float(in_base[-1])) or "0.000000"
    answer.benchmark_start = reference
    answer.benchmark_return = total
    answer.benchmark_return_local = fraction(float(local[-1]))
    answer.excess_return = str(Decimal(answer.twr or "0") - Decimal(total))
    answer.max_drawdown.benchmark = _drawdown(max_drawdown(days[valid], in_base[valid], reference))


def _points(
    days: np.ndarray, rows: np.ndarray, mine: np.ndarray, theirs: np.ndarray
) -> list[schemas.BenchmarkPoint]:
    """The sampled ``rows`` of both cumulative returns and their drawdowns (over every day)."""
    mine_down = drawdowns(mine)
    their_down = np.full(len(days), np.nan)
    valid = ~np.isnan(theirs)
    their_down[valid] = drawdowns(theirs[valid])
    return [
        schemas.BenchmarkPoint(
            date=days[i].item(),
            portfolio=fraction(float(mine[i])) or "0.000000",
            benchmark=fraction(float(theirs[i])),
            portfolio_drawdown=fraction(float(mine_down[i])) or "0.000000",
            benchmark_drawdown=fraction(float(their_down[i])),
        )
        for i in rows.tolist()
    ]


def _price_return(
    prices: Series,
    fx: dict[str, Series],
    currency: str,
    base: str,
    rng: DateRange,
    days: np.ndarray,
) -> tuple[date, np.ndarray, np.ndarray] | None:
    """The reference day and the cumulative price return on each of ``days``, in the base
    currency and in the asset's (NaN before its first price); None without a price in range."""
    if not len(prices.dates):
        return None
    start = np.datetime64(rng.start, "D")
    local = _carried(prices, days)
    rate = daily_rate(fx, currency, base, days)
    priced = np.flatnonzero(~np.isnan(local))
    if not len(priced):
        return None
    at_start = _carried(prices, np.array([start]))[0]
    if np.isnan(at_start):
        reference, p0, x0 = days[priced[0]].item(), local[priced[0]], rate[priced[0]]
    else:
        reference, p0 = rng.start, at_start
        x0 = daily_rate(fx, currency, base, np.array([start]))[0]
    return reference, local * rate / (p0 * x0) - 1.0, local / p0 - 1.0


def _carried(prices: Series, days: np.ndarray) -> np.ndarray:
    """The last price stored on or before each day; NaN before the first."""
    idx = np.searchsorted(prices.dates, days, side="right") - 1
    return np.where(idx >= 0, prices.values[np.maximum(idx, 0)], np.nan)


def _drawdown(found: MaxDrawdown) -> schemas.Drawdown:
    return schemas.Drawdown(
        depth=fraction(found.depth) or "0.000000",
        peak=found.peak,
        trough=found.trough,
        recovery=found.recovery,
    )


benchmark_service = BenchmarkService()
