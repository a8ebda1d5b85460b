"""One holding's TWR: money put in counts at the start of the day, money taken out at its end."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pulsefolio.portfolio.valuation.history import Series, build_history
from pulsefolio.portfolio.valuation.lots import replay
from pulsefolio.portfolio.valuation.returns import (
    performance,
    resolve_range,
    time_weighted_return,
    twr_index,
)

from .factory import T, entry

DAY0, DAY1 = date(2024, 1, 1), date(2024, 1, 2)
PRICES = {"ACME": Series.of([(DAY0, 10), (DAY1, 11)])}


def _holding_and_portfolio_twr(ledger: list) -> tuple[float, float]:
    history = build_history(ledger, PRICES, {}, "USD", end=DAY1)
    rng = resolve_range("MAX", DAY1, DAY0)
    books = [replay(ledger)]
    values, flows = history.holding("", "ACME")
    taken = history.outflow_base[:, 0]
    alone = performance(history.dates, values, flows, books, rng, "ACME", taken)
    values, inflows = history.portfolio()
    whole = performance(history.dates, values, inflows, books, rng)
    return alone.time_weighted, whole.time_weighted


@pytest.mark.parametrize("sold", [5, 10])
def test_sale_on_the_day_the_price_rises(sold: int) -> None:
    # day 0: BUY 10 @ 10, close 10: V = 100, 100 put in: r = 100 / (0 + 100) - 1 = 0
    # day 1: close 11, SELL `sold` @ 11: V = (10 - sold) * 11, 11 * sold taken out:
    #   r = ((10 - sold) * 11 + 11 * sold) / (100 + 0) - 1 = 110 / 100 - 1 = 0.10
    # (start-of-day outflows gave 55 / 45 - 1 = 0.2222 for 5 and 0 for 10)
    # The portfolio, funded by an implicit deposit of 100 on day 0, is worth 110 on day 1
    # (holding plus sale proceeds in cash): 110 / 100 - 1 = 0.10 as before.
    ledger = [entry(1, T.BUY, 0, "ACME", 10, 10), entry(2, T.SELL, 1, "ACME", sold, 11)]
    alone, whole = _holding_and_portfolio_twr(ledger)
    assert alone == pytest.approx(0.10)
    assert whole == pytest.approx(0.10)


def test_dividend_day() -> None:
    # day 0: BUY 10 @ 10 = 100; day 1: close 11 and a dividend 10 x 0.5 = 5 leaves the holding:
    # r = (110 + 5) / 100 - 1 = 0.15 (start of day: 110 / (100 - 5) - 1 = 0.1579)
    ledger = [entry(1, T.BUY, 0, "ACME", 10, 10), entry(2, T.DIVIDEND, 1, "ACME", 10, "0.5")]
    alone, whole = _holding_and_portfolio_twr(ledger)
    assert alone == pytest.approx(0.15)
    assert whole == pytest.approx(0.15)  # 115 (holding 110 + cash 5) / 100 - 1


def test_without_outflows_flows_stay_at_the_start_of_the_day() -> None:
    # deposit 1000 then 1100 / 1000; withdraw 200 at the start: 1000 / (1100 - 200)
    values, flows = np.array([1000.0, 1100.0, 1000.0]), np.array([1000.0, 0.0, -200.0])
    expected = 1.1 * 1000 / 900 - 1
    assert time_weighted_return(values, flows, -1, 2) == pytest.approx(expected)
    assert twr_index(values, flows)[-1] == pytest.approx(expected)
    # with the 200 marked as taken out at the end: 1.1 * (1000 + 200) / 1100 - 1 = 0.2
    out = np.array([0.0, 0.0, 200.0])
    assert time_weighted_return(values, flows, -1, 2, out) == pytest.approx(0.2)
    assert twr_index(values, flows, out)[-1] == pytest.approx(0.2)
