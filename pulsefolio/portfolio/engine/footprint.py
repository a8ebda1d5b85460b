"""Measure the engine's memory and revaluation time on synthetic holdings.

``python -m pulsefolio.portfolio.engine.footprint [USERS] [HOLDINGS] [CASH]`` builds the bulk book
for USERS users (default 100,000) with HOLDINGS positions each (default 20) over 5,000 assets in
four currencies, plus CASH cash balances each (default 2, in the first currencies), then prints
the arrays' bytes, the resident-memory growth, and the time of a full and of an incremental
revaluation. No database is involved: it measures the in-memory state.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np

from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.portfolio.engine.engine import Engine
from pulsefolio.portfolio.engine.positions import NO_COST_BASE, Accounts, build_bulk
from pulsefolio.portfolio.engine.prices import AssetInfo, PriceBoard

CURRENCIES = ["USD", "EUR", "GBP", "JPY"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic(
    users: int, holdings: int, assets: int = 5000, seed: int = 1, cash: int = 2
) -> Engine:
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    board = PriceBoard(
        [AssetInfo(i + 1, f"A{i}", f"Asset {i}", "stock", CURRENCIES[i % 4]) for i in range(assets)]
    )
    board.apply_quotes(
        PriceQuote(f"A{i}", Decimal(10 + i % 90), CURRENCIES[i % 4], now, now, "sim", Decimal(10))
        for i in range(assets)
    )
    board.apply_fx(
        FxRate(c, "USD", Decimal("1.1"), now, now, "sim") for c in CURRENCIES if c != "USD"
    )
    user_ids = np.arange(1, users + 1, dtype=np.int64)
    names = b"".join(b"Brokerage" for _ in range(users))
    accounts = Accounts(
        ids=user_ids.copy(),
        users=user_ids.copy(),
        currencies=np.zeros(users, np.int16),
        name_offsets=np.arange(users + 1, dtype=np.int64) * 9,
        names=names,
        codes=CURRENCIES,
        by_id=np.arange(users, dtype=np.int64),
        sorted_ids=user_ids.copy(),
    )
    n, m = users * holdings, users * cash
    cash_assets = np.array([board.cash_index(c) for c in CURRENCIES[:cash]], np.int64)
    position_users = np.concatenate([np.repeat(user_ids, holdings), np.repeat(user_ids, cash)])
    position_assets = np.concatenate(
        [rng.choice(assets, holdings, replace=False) for _ in range(users)]
        + [np.tile(cash_assets, users)]
    )
    no_cost = np.full(m, NO_COST_BASE, np.int64)
    bulk = build_bulk(
        n_assets=len(board),
        position_users=position_users,
        position_accounts=position_users.copy(),
        position_assets=position_assets,
        quantity_int=np.concatenate([rng.integers(1, 1000, n), rng.integers(1, 10**5, m)]) * 10**10,
        cost_int=np.concatenate([rng.integers(1, 100_000, n) * 10**6, np.zeros(m, np.int64)]),
        cost_base_int=np.concatenate([rng.integers(1, 100_000, n) * 10**6, no_cost]),
        oversized={},
        accounts=accounts,
        base_users=user_ids,
        base_codes=rng.integers(0, 4, users).astype(np.int16),
        codes=CURRENCIES,
    )
    return Engine(board, bulk)


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    holdings = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cash = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    before = _rss_mb()
    started = time.perf_counter()
    engine = synthetic(users, holdings, cash=cash)
    built = time.perf_counter() - started
    arrays = engine.bulk.nbytes() + 3 * engine.value_usd.nbytes
    started = time.perf_counter()
    engine.revalue_all()
    full = time.perf_counter() - started
    now = datetime.now(UTC)
    started = time.perf_counter()
    engine.apply_quotes([PriceQuote("A7", Decimal(99), "GBP", now, now, "sim", Decimal(98))])
    one = time.perf_counter() - started
    print(f"users {users:,} x {holdings} holdings + {cash} cash: built in {built:.2f} s")
    print(f"arrays {arrays / 1e6:.1f} MB; peak RSS growth {_rss_mb() - before:.1f} MB")
    print(f"full revaluation {full * 1000:.1f} ms; one-asset update {one * 1000:.1f} ms")


if __name__ == "__main__":
    main()
