"""Time value history and returns on a synthetic ledger, against a per-day loop baseline.

:func:`bench_history` builds ``n_transactions`` valid entries over ``years`` years of daily
prices (3 accounts, up to 60 symbols in USD, EUR and CHF, base CHF), then times:

* ``replay_s``: :func:`.lots.replay_accounts` (exact Decimal lots);
* ``history_s``: :func:`.history.build_history` (NumPy over dates x holdings);
* ``returns_s``: TWR, XIRR and the gain breakdown of the portfolio for every named range;
* ``baseline_s``: the same daily values of every holding and of the portfolio computed by a
  plain loop over days and holdings, plus a loop TWR: what the vectorised path replaces.

It also reports the history's array memory (``history_mb``) and checks the two paths agree
(``max_rel_diff``, over the portfolio's and every holding's daily values).
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from pulsefolio.core.domain import TransactionType

from .history import Series, build_history
from .ledger import LedgerEntry
from .lots import replay_accounts
from .returns import RANGES, performance, resolve_range

T = TransactionType
_CURRENCIES = ("CHF", "USD", "EUR")


def synthetic(
    n_transactions: int, years: int, seed: int = 7
) -> tuple[list[LedgerEntry], dict[str, Series], dict[str, Series], date]:
    """A valid ledger, daily prices and FX rates ending on the returned date."""
    rng = random.Random(seed)
    n_days = int(365.25 * years)
    first = date(2015, 1, 1)
    end = first + timedelta(days=n_days - 1)
    n_symbols = max(3, min(60, n_transactions // 20))
    symbols = [f"S{i:02d}" for i in range(n_symbols)]
    currency = {s: _CURRENCIES[i % 3] for i, s in enumerate(symbols)}
    gen = np.random.default_rng(seed)
    days = np.arange(np.datetime64(first), np.datetime64(end) + 1)
    walk = np.exp(np.cumsum(gen.normal(0.0002, 0.015, (n_days, n_symbols)), axis=0))
    prices = {s: Series(days, np.round(50 * walk[:, i], 4)) for i, s in enumerate(symbols)}
    fx = {
        c: Series(days, np.round(k * np.exp(np.cumsum(gen.normal(0, 0.004, n_days))), 6))
        for c, k in (("USD", 0.9), ("EUR", 0.95))
    }
    held: dict[tuple[str, str], Decimal] = {}
    stamps = sorted(rng.randrange(n_days * 24) for _ in range(n_transactions))
    entries = []
    for k, stamp in enumerate(stamps):
        d, account, sym = stamp // 24, f"acc{rng.randrange(3)}", rng.choice(symbols)
        when = datetime(first.year, 1, 1, tzinfo=UTC) + timedelta(hours=stamp)
        cur = currency[sym]
        price = Decimal(str(prices[sym].values[d]))
        rate = Decimal(1) if cur == "CHF" else Decimal(str(fx[cur].values[d]))
        have = held.get((account, sym), Decimal(0))
        roll = rng.random()
        if roll < 0.15 and have > 0:
            q = min(have, Decimal(rng.randint(1, 20)))
            held[(account, sym)] = have - q
            e = LedgerEntry(
                k, T.SELL, when, sym, q, price, Decimal("1.5"), cur, None, rate, account
            )
        elif roll < 0.25 and have > 0:
            e = LedgerEntry(
                k, T.DIVIDEND, when, sym, have, Decimal("0.1"), Decimal(0), cur, None, rate, account
            )
        elif roll < 0.30:
            e = LedgerEntry(
                k,
                T.DEPOSIT,
                when,
                None,
                Decimal(1),
                Decimal(5000),
                Decimal(0),
                "CHF",
                None,
                Decimal(1),
                account,
            )
        elif roll < 0.302 and have > 0:
            held[(account, sym)] = have * 2
            e = LedgerEntry(
                k,
                T.SPLIT,
                when,
                sym,
                Decimal(0),
                Decimal(0),
                Decimal(0),
                cur,
                (Decimal(2), Decimal(1)),
                rate,
                account,
            )
        else:
            q = Decimal(rng.randint(1, 20))
            held[(account, sym)] = have + q
            e = LedgerEntry(k, T.BUY, when, sym, q, price, Decimal("1.5"), cur, None, rate, account)
        entries.append(e)
    return entries, prices, fx, end


def _loop_values(
    entries: list[LedgerEntry], prices: Mapping[str, Series], fx: Mapping[str, Series], end: date
) -> tuple[list[float], list[float], dict[tuple[str, str], list[float]]]:
    """Daily portfolio value and inflow, and each holding's daily value in the base currency
    (zero before it first trades), by a plain loop over days and holdings."""
    start = entries[0].executed_at.date()
    by_day: dict[date, list[LedgerEntry]] = {}
    for e in entries:
        by_day.setdefault(e.executed_at.date(), []).append(e)
    qty: dict[tuple[str, str], float] = {}
    cur_of: dict[tuple[str, str], str] = {}
    cash: dict[tuple[str, str], float] = {}
    price_at = {
        s: dict(zip(p.dates.tolist(), p.values.tolist(), strict=True)) for s, p in prices.items()
    }
    fx_at = {c: dict(zip(p.dates.tolist(), p.values.tolist(), strict=True)) for c, p in fx.items()}
    last_price: dict[str, float] = {}
    last_fx: dict[str, float] = {"CHF": 1.0}
    values: list[float] = []
    inflows: list[float] = []
    per_holding: dict[tuple[str, str], list[float]] = {}
    day = start
    while day <= end:
        inflow = 0.0
        for e in by_day.get(day, []):
            key = (e.account, e.symbol or "")
            if e.type is T.SPLIT:
                qty[key] *= float(e.split_factor)
            elif e.type in (T.BUY, T.SELL):
                sign = 1.0 if e.type is T.BUY else -1.0
                qty[key] = qty.get(key, 0.0) + sign * float(e.quantity)
                cur_of[key] = e.currency
            ck = (e.account, e.currency)
            bal = cash.get(ck, 0.0) + float(e.cash_effect)
            if e.type is T.DEPOSIT:
                inflow += float(e.gross) * float(e.fx_rate)
            if bal < 0:
                inflow += -bal * float(e.fx_rate)
                bal = 0.0
            cash[ck] = bal
        for s, table in price_at.items():
            if day in table:
                last_price[s] = table[day]
        for c, table in fx_at.items():
            if day in table:
                last_fx[c] = table[day]
        total = 0.0
        for key, q in qty.items():
            value = q * last_price[key[1]] * last_fx[cur_of[key]]
            series = per_holding.get(key)
            if series is None:
                series = per_holding[key] = [0.0] * len(values)
            series.append(value)
            total += value
        for (_, c), bal in cash.items():
            total += bal * last_fx[c]
        values.append(total)
        inflows.append(inflow)
        day += timedelta(days=1)
    growth = 1.0
    for i in range(1, len(values)):
        base = values[i - 1] + inflows[i]
        growth *= values[i] / base if base > 0 else 1.0
    return values, inflows, per_holding


def bench_history(n_transactions: int, years: int = 10) -> dict[str, float]:
    """Build synthetic data, time history and returns and the loop baseline; figures in s."""
    entries, prices, fx, end = synthetic(n_transactions, years)
    t0 = time.perf_counter()
    books = replay_accounts(entries)
    t1 = time.perf_counter()
    history = build_history(entries, prices, fx, "CHF", end=end)
    t2 = time.perf_counter()
    values, inflows = history.portfolio()
    first = history.dates[0].item()
    for name in RANGES[:-1]:
        performance(history.dates, values, inflows, books.values(), resolve_range(name, end, first))
    t3 = time.perf_counter()
    loop_values, _, loop_holdings = _loop_values(entries, prices, fx, end)
    t4 = time.perf_counter()
    diff = np.abs(values - np.array(loop_values)) / np.maximum(np.abs(values), 1.0)
    for j, key in enumerate(history.holdings):
        ours = history.value_base[:, j]
        theirs = np.array(loop_holdings.get(key, [0.0] * len(ours)))
        held = np.abs(ours - theirs) / np.maximum(np.abs(ours), 1.0)
        diff = np.maximum(diff, held)
    arrays = [getattr(history, f) for f in history.__dataclass_fields__]
    memory = sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))
    return {
        "transactions": float(n_transactions),
        "days": float(len(history.dates)),
        "holdings": float(len(history.holdings)),
        "replay_s": t1 - t0,
        "history_s": t2 - t1,
        "returns_s": t3 - t2,
        "history_and_returns_s": t3 - t1,
        "baseline_s": t4 - t3,
        "history_mb": memory / 1e6,
        "max_rel_diff": float(diff.max()),
    }
