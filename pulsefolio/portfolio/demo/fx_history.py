"""Daily FX history for the demo: every ordered pair of the demo currencies, each day before
:data:`~pulsefolio.portfolio.demo.generate.ANCHOR` back past the oldest trade.

Demo users trade in currencies other than their base currency, and the ledger values each
purchase at its trade-date rate, so the demo stores the rates of those dates. Each currency
follows its own walk against USD backwards from its anchor rate (daily steps of about 0.4 %,
in Decimal, from a random generator of its own, so the rest of the demo is unchanged), and
forwards from it to today from another generator (so the days up to any date never depend on
the day the seed runs); cross rates are ratios of the USD rates and stay consistent. The
simulated market's FX walks go on from the latest of these rates.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

DAYS = 1520  # the oldest account opens 1500 days before the anchor; 7 more for the lookback
STEP = Decimal(1).scaleb(-12)

Points = dict[tuple[str, str], list[tuple[date, Decimal]]]


def fx_history(
    seed: int,
    anchor: date,
    anchor_rates: Mapping[tuple[str, str], Decimal],
    codes: Sequence[str],
    last: date | None = None,
) -> Points:
    """``(base, quote)`` -> ascending ``(day, rate)`` for the ``DAYS`` days before ``anchor``
    and the days after it up to ``last``."""
    start = {c: Decimal(1) if c == "USD" else anchor_rates[("USD", c)] for c in codes}
    per_usd: dict[date, dict[str, Decimal]] = {}
    for name, days, sign in (("", DAYS, -1), ("-forward", ((last or anchor) - anchor).days, 1)):
        rng = random.Random(f"demo-fx{name}-{seed}")
        level = dict(start)
        for step in range(1, days + 1):
            for code in codes:
                if code != "USD":
                    level[code] = level[code] * Decimal(str(round(1 + rng.gauss(0, 0.004), 8)))
            per_usd[anchor + timedelta(days=sign * step)] = dict(level)
    return {
        (base, quote): [
            (day, (rates[quote] / rates[base]).quantize(STEP))
            for day, rates in sorted(per_usd.items())
        ]
        for base in codes
        for quote in codes
        if base != quote
    }


def rows(
    points: Points, fetched_at: datetime
) -> list[tuple[str, str, datetime, str, Decimal, datetime]]:
    """``fx_rates`` records (base, quote, as_of, source, rate, fetched_at), 21:00 UTC each day
    up to ``fetched_at``."""
    close = time(21, 0, tzinfo=UTC)
    return [
        (base, quote, datetime.combine(day, close), "simulated", rate, fetched_at)
        for (base, quote), series in sorted(points.items())
        for day, rate in series
        if datetime.combine(day, close) <= fetched_at
    ]
