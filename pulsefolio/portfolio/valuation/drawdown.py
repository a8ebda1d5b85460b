"""Drawdown of a cumulative return series: how far it stands below its running peak.

The index of a cumulative return ``c_t`` is ``I_t = 1 + c_t``; the series starts from the
level 1 at its reference day (the close the returns are measured from), which counts as its
first peak. The drawdown is ``I_t / max(1, I_0..I_t) - 1`` (0 at a peak, negative below one).
The maximum drawdown is the deepest of them, with the day of the peak it fell from (the last
day at that peak before the trough, the reference day if it never rose above 1), the trough's
day and the first day after it back at the peak (none while it has not recovered).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

_AT_PEAK = -1e-12  # a drawdown this close to zero is at the peak (float noise)


@dataclass(frozen=True, slots=True)
class MaxDrawdown:
    depth: float  # <= 0; 0 when the series never fell below a peak
    peak: date | None
    trough: date | None
    recovery: date | None


def drawdowns(cumulative: np.ndarray) -> np.ndarray:
    """Each day's drawdown of the index ``1 + cumulative`` from its running peak (at least 1)."""
    index = 1.0 + np.asarray(cumulative, dtype=np.float64)
    peak = np.maximum.accumulate(np.maximum(index, 1.0)) if len(index) else index
    return np.where(peak > 0, index / np.where(peak > 0, peak, 1.0) - 1.0, 0.0)


def max_drawdown(days: np.ndarray, cumulative: np.ndarray, reference: date) -> MaxDrawdown:
    """The deepest drawdown of ``cumulative`` (one value per day of ``days``, datetime64[D])."""
    under = drawdowns(cumulative)
    if not len(under) or under.min() >= _AT_PEAK:
        return MaxDrawdown(0.0, None, None, None)
    trough = int(np.argmin(under))
    at_peak = np.flatnonzero(under[:trough] >= _AT_PEAK)
    after = np.flatnonzero(under[trough + 1 :] >= _AT_PEAK)
    return MaxDrawdown(
        float(under[trough]),
        days[at_peak[-1]].item() if len(at_peak) else reference,
        days[trough].item(),
        days[trough + 1 + after[0]].item() if len(after) else None,
    )
