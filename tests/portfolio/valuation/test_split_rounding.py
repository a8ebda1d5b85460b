"""Reverse splits whose ratio has no finite decimal: quantities at the quantity column's scale."""

from __future__ import annotations

import pytest

from pulsefolio.core.domain import CostMethod
from pulsefolio.portfolio.valuation.lots import replay

from .factory import D, T, entry


@pytest.mark.parametrize("method", [CostMethod.FIFO, CostMethod.AVERAGE])
@pytest.mark.parametrize("den", [3, 7])
def test_one_for_n_then_sell_everything(den: int, method: CostMethod) -> None:
    # BUY den @ 10 costs 10 * den; a 1:den split leaves den * 1 / den = 1 unit exactly (not
    # 0.999... from a factor rounded first), costing 10 * den; SELL 1 @ 100 closes it:
    # gain 100 - 10 * den (70 for 1:3, 30 for 1:7)
    book = replay(
        [
            entry(1, T.BUY, 0, "ACME", den, 10),
            entry(2, T.SPLIT, 1, "ACME", split=(1, den)),
            entry(3, T.SELL, 2, "ACME", 1, 100),
        ],
        method,
    )
    (closed,) = book.closed_lots
    assert (closed.quantity, closed.cost, closed.gain_gross) == (1, 10 * den, 100 - 10 * den)
    assert book.open_lots == ()


def test_split_quantity_is_rounded_to_ten_places() -> None:
    # BUY 1 @ 9: a 1:3 split leaves 1/3 = 0.33333333333... -> 0.3333333333 (half-even, 10
    # places); the lot keeps its cost 9, so the unit cost is 9 / 0.3333333333
    book = replay([entry(1, T.BUY, 0, "ACME", 1, 9), entry(2, T.SPLIT, 1, "ACME", split=(1, 3))])
    (lot,) = book.open_lots
    assert (lot.quantity, lot.cost) == (D("0.3333333333"), 9)
    assert lot.unit_cost == D(9) / D("0.3333333333")


@pytest.mark.parametrize("method", [CostMethod.FIFO, CostMethod.AVERAGE])
def test_lots_add_up_to_the_holding_after_a_split(method: CostMethod) -> None:
    # three lots of 1 (cost 10, 11, 12); 1:3 makes the holding 3 / 3 = 1 exactly: the two
    # older lots 0.3333333333 each, the newest the rest, 1 - 0.6666666666 = 0.3333333334;
    # SELL 1 @ 40 closes all three: gain 40 - (10 + 11 + 12) = 7
    book = replay(
        [
            entry(1, T.BUY, 0, "ACME", 1, 10),
            entry(2, T.BUY, 0, "ACME", 1, 11),
            entry(3, T.BUY, 0, "ACME", 1, 12),
            entry(4, T.SPLIT, 1, "ACME", split=(1, 3)),
            entry(5, T.SELL, 2, "ACME", 1, 40),
        ],
        method,
    )
    quantities = [c.quantity for c in book.closed_lots]
    assert quantities == [D("0.3333333333"), D("0.3333333333"), D("0.3333333334")]
    assert book.realized() == 7
    assert book.open_lots == ()
