"""Trade-date FX rates from the stored ``fx_rates`` history.

A rate is *base currency units per unit of the transaction's currency*. For a trade dated
``d`` (UTC calendar date) the rate is the latest stored one dated ``d`` or up to
:data:`LOOKBACK_DAYS` days before it: weekends and holidays carry Friday's rate forward.
A trade dated within the last :data:`LOOKBACK_DAYS` days of today (or tomorrow) whose window
holds no rate takes the newest stored rate of the pair, since the day's own rate may not have
been fetched yet. Anything else is *missing*, and the ledger refuses the write.

Rows are read in both directions: ``(base=C, quote=B)`` gives ``rate`` and ``(base=B,
quote=C)`` gives ``1 / rate``; a direct row wins over an inverted one on the same day.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import FxRate

LOOKBACK_DAYS = 7
ONE = Decimal(1)

Points = list[tuple[date, Decimal]]


def pick(points: Sequence[tuple[date, Decimal]], day: date, today: date) -> Decimal | None:
    """The rate for ``day`` from ascending daily ``points`` by the rule above; None if missing."""
    i = bisect.bisect_right(points, day, key=lambda p: p[0])
    if i and (day - points[i - 1][0]).days <= LOOKBACK_DAYS:
        return points[i - 1][1]
    if points and (today - day).days <= LOOKBACK_DAYS:
        return points[-1][1]
    return None


async def load_points(
    session: AsyncSession, currency: str, base: str, days: tuple[date, date] | None = None
) -> Points:
    """Ascending daily rates, base per unit of ``currency`` (the last of each day).

    ``days`` bounds them to what trades between those dates can use (from the lookback before
    the first to the last), unless the last is recent enough to need the newest rate.
    """
    pair = or_(
        and_(FxRate.base == currency, FxRate.quote == base),
        and_(FxRate.base == base, FxRate.quote == currency),
    )
    query = select(FxRate.base, FxRate.as_of, FxRate.rate).where(pair)
    if days is not None and (datetime.now(UTC).date() - days[1]).days > LOOKBACK_DAYS:
        first, last = days
        query = query.where(
            FxRate.as_of >= _midnight(first - timedelta(days=LOOKBACK_DAYS)),
            FxRate.as_of < _midnight(last + timedelta(days=1)),
        )
    rows = await session.execute(query.order_by(FxRate.as_of))
    by_day: dict[date, tuple[bool, Decimal]] = {}
    for row_base, as_of, rate in rows:
        direct = row_base == currency
        value = rate if direct else ONE / rate
        day = as_of.astimezone(UTC).date()
        if direct or not by_day.get(day, (False, ONE))[0]:
            by_day[day] = (direct, value)
    return [(day, value) for day, (_, value) in sorted(by_day.items())]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), UTC)


async def trade_rates(
    session: AsyncSession,
    base: str,
    trades: Iterable[tuple[int, str, datetime]],
    memo: dict[tuple[str, str], Points] | None = None,
) -> dict[int, Decimal]:
    """Rates of the ``(id, currency, executed_at)`` trades that have one (1 in ``base``).

    ``memo`` keeps the pairs' whole histories across calls of one recomputation; without it,
    only the rates these trades can use are read.
    """
    today = datetime.now(UTC).date()
    shared = memo is not None
    memo = {} if memo is None else memo
    items = [(i, c, at.astimezone(UTC).date()) for i, c, at in trades]
    out: dict[int, Decimal] = {}
    for currency in sorted({c for _, c, _ in items} - {base}):
        if (currency, base) not in memo:
            days = [d for _, c, d in items if c == currency]
            bounds = None if shared else (min(days), max(days))
            memo[(currency, base)] = await load_points(session, currency, base, bounds)
    for ident, currency, day in items:
        rate = ONE if currency == base else pick(memo[(currency, base)], day, today)
        if rate is not None:
            out[ident] = rate
    return out


def missing_reason(currency: str, base: str, day: date) -> str:
    return (
        f"no {currency}->{base} FX rate on {day.isoformat()} or within "
        f"{LOOKBACK_DAYS} days before it"
    )
