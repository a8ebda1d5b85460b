"""Revaluation compute against its floor, timed inside the instance on its own matrices."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from pulsefolio.portfolio.engine import Engine


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def revaluation_timings(engine: Engine, repeat: int) -> dict[str, float]:
    """``revalue_seconds``: the engine revaluing every bulk row (value, previous close, cost);
    ``floor_seconds``: one bare SciPy CSR × vector product over the same holdings."""
    quantity = engine.bulk.quantity
    prices = np.ascontiguousarray(engine.board.price_f[: quantity.shape[1]])
    revalue = _median_seconds(engine.revalue_all, repeat)
    floor = _median_seconds(lambda: quantity @ prices, repeat)
    return {
        "revalue_seconds": revalue,
        "floor_seconds": floor,
        "users": float(quantity.shape[0]),
        "positions": float(quantity.nnz),
    }
