"""Drawdowns of cumulative return series, worked by hand."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pulsefolio.portfolio.valuation import MaxDrawdown, drawdowns, max_drawdown, twr_path

REFERENCE = date(2025, 12, 31)
DAYS = np.arange(np.datetime64("2026-01-01"), np.datetime64("2026-01-07"))


class TestDrawdowns:
    def test_below_the_running_peak(self) -> None:
        # index 1.1, 1.21, 1.089, 1.0, 1.21, 1.3: peak 1.21 from day 2 on
        cumulative = np.array([0.1, 0.21, 0.089, 0.0, 0.21, 0.3])
        assert drawdowns(cumulative) == pytest.approx([0, 0, -0.1, 1 / 1.21 - 1, 0, 0])

    def test_the_start_counts_as_a_peak(self) -> None:
        assert drawdowns(np.array([-0.1, -0.2, 0.05])) == pytest.approx([-0.1, -0.2, 0])


class TestMaxDrawdown:
    def test_peak_trough_and_recovery(self) -> None:
        cumulative = np.array([0.1, 0.21, 0.089, 0.0, 0.21, 0.3])
        found = max_drawdown(DAYS, cumulative, REFERENCE)
        assert found.depth == pytest.approx(1 / 1.21 - 1)
        assert (found.peak, found.trough, found.recovery) == (
            date(2026, 1, 2), date(2026, 1, 4), date(2026, 1, 5),
        )  # fmt: skip

    def test_a_fall_from_the_start_not_yet_recovered(self) -> None:
        found = max_drawdown(DAYS, np.array([-0.1, -0.2, -0.05, -0.15, -0.01, -0.02]), REFERENCE)
        assert found.depth == pytest.approx(-0.2)
        assert (found.peak, found.trough, found.recovery) == (REFERENCE, date(2026, 1, 2), None)

    def test_never_below_a_peak(self) -> None:
        rising = max_drawdown(DAYS, np.array([0.0, 0.01, 0.02, 0.02, 0.03, 0.04]), REFERENCE)
        assert rising == MaxDrawdown(0.0, None, None, None)
        assert max_drawdown(DAYS[:0], np.zeros(0), REFERENCE) == MaxDrawdown(0.0, None, None, None)


class TestTwrPath:
    """Values 1000, 1100, 2200 (1100 deposited), 2090, 1590 (500 withdrawn): daily growth
    1, 1.1, 1, 0.95, 1."""

    VALUES = np.array([1000.0, 1100.0, 2200.0, 2090.0, 1590.0])
    FLOWS = np.array([1000.0, 0.0, 1100.0, 0.0, -500.0])

    def test_from_before_the_history(self) -> None:
        path = twr_path(self.VALUES, self.FLOWS, -1, 4)
        assert path == pytest.approx([0, 0.1, 0.1, 0.045, 0.045])

    def test_from_a_row_inside_it(self) -> None:
        assert twr_path(self.VALUES, self.FLOWS, 1, 4) == pytest.approx([0, 0, -0.05, -0.05])
        assert twr_path(self.VALUES, self.FLOWS, 4, 4) == pytest.approx([0])
