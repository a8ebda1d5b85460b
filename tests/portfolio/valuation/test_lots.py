"""Hand-computed lot replays: FIFO against average cost, partial sales, splits, income."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pulsefolio.core.domain import CostMethod
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.portfolio.valuation.lots import (
    CAPITALIZED_FEE,
    FEE,
    IMPLICIT_DEPOSIT,
    INCOME,
    LotBook,
    replay,
    replay_accounts,
)

from .factory import D, T, entry

# BUY 10 @ 100 + fee 5  -> lot 1 cost 10*100 + 5 = 1005
# BUY 10 @ 120 + fee 5  -> lot 2 cost 10*120 + 5 = 1205
# SELL 15 @ 130 fee 10  -> proceeds 15*130 = 1950
TWO_BUYS_ONE_SALE = [
    entry(1, T.BUY, 0, "ACME", 10, 100, 5),
    entry(2, T.BUY, 1, "ACME", 10, 120, 5),
    entry(3, T.SELL, 2, "ACME", 15, 130, 10),
]


class TestFifoAgainstAverage:
    def test_fifo(self) -> None:
        book = replay(TWO_BUYS_ONE_SALE)
        first, second = book.closed_lots
        # lot 1 closes whole: 1300 - 1005 = 295
        assert (first.lot_id, first.quantity, first.cost, first.proceeds) == (1, 10, 1005, 1300)
        assert first.gain_gross == D(295)
        # 5 of lot 2: cost 1205 * 5/10 = 602.5, proceeds 5*130 = 650, gain 47.5
        assert (second.lot_id, second.quantity, second.cost) == (2, 5, D("602.5"))
        assert second.gain_gross == D("47.5")
        assert book.realized() == D("342.5")  # 1950 - (1005 + 602.5)
        # the sale fee is shown apart, 10/15 and 5/15 of it per lot
        assert first.fee + second.fee == D(10)
        assert book.total(FEE) == D(10)
        assert book.total(CAPITALIZED_FEE) == D(10)  # the two purchase fees, inside cost
        (lot,) = book.open_lots
        assert (lot.id, lot.quantity, lot.cost, lot.unit_cost) == (2, 5, D("602.5"), D("120.5"))

    def test_average(self) -> None:
        book = replay(TWO_BUYS_ONE_SALE, CostMethod.AVERAGE)
        # pool: 20 units costing 1005 + 1205 = 2210, 110.5 each
        # closed: 15 * 110.5 = 1657.5; realized 1950 - 1657.5 = 292.5
        assert book.realized() == D("292.5")
        first, second = book.closed_lots
        assert (first.lot_id, first.quantity, first.cost, first.gain_gross) == (1, 10, 1105, 195)
        assert (second.lot_id, second.quantity, second.cost) == (2, 5, D("552.5"))
        (lot,) = book.open_lots
        # 5 left at the average: 5 * 110.5 = 552.5
        assert (lot.quantity, lot.cost, lot.unit_cost) == (5, D("552.5"), D("110.5"))

    def test_methods_agree_on_cash(self) -> None:
        fifo, average = replay(TWO_BUYS_ONE_SALE), replay(TWO_BUYS_ONE_SALE, CostMethod.AVERAGE)
        # purchases need 1005 + 1205 = 2210 from outside; the sale leaves 1950 - 10 = 1940
        for book in (fifo, average):
            assert book.total(IMPLICIT_DEPOSIT) == D(2210)
            assert book.cash == {"USD": D(1940)}


class TestPartialSale:
    def test_partial_sale(self) -> None:
        book = replay([entry(1, T.BUY, 0, "ACME", 100, 10), entry(2, T.SELL, 5, "ACME", 40, 12)])
        # 40 * (12 - 10) = 80
        assert book.realized() == D(80)
        (lot,) = book.open_lots
        assert (lot.quantity, lot.cost) == (60, 600)  # 60 * 10


class TestSellAllBuyAgain:
    def test_buy_sell_all_buy_again(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 10, 50),  # cost 500
                entry(2, T.SELL, 1, "ACME", 10, 60),  # proceeds 600, gain 100
                entry(3, T.BUY, 2, "ACME", 5, 70),  # new lot, cost 350
            ]
        )
        assert book.realized() == D(100)
        (lot,) = book.open_lots
        assert (lot.id, lot.quantity, lot.cost) == (3, 5, 350)


class TestSplits:
    def test_two_for_one_then_sale(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 10, 100),  # cost 1000, 100 a unit
                entry(2, T.SPLIT, 1, "ACME", split=(2, 1)),  # 20 units, 50 a unit
                entry(3, T.SELL, 2, "ACME", 5, 60),  # cost 5*50 = 250, proceeds 300
            ]
        )
        (closed,) = book.closed_lots
        assert (closed.quantity, closed.cost, closed.gain_gross) == (5, 250, 50)
        (lot,) = book.open_lots
        assert (lot.quantity, lot.cost, lot.unit_cost) == (15, 750, 50)

    def test_one_for_ten_then_sale(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 100, 2),  # cost 200, 2 a unit
                entry(2, T.SPLIT, 1, "ACME", split=(1, 10)),  # 10 units, 20 a unit
                entry(3, T.SELL, 2, "ACME", 4, 25),  # cost 4*20 = 80, proceeds 100
            ]
        )
        (closed,) = book.closed_lots
        assert (closed.quantity, closed.cost, closed.gain_gross) == (4, 80, 20)
        (lot,) = book.open_lots
        assert (lot.quantity, lot.cost) == (6, 120)

    def test_split_keeps_total_cost_under_average(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 10, 100),
                entry(2, T.BUY, 1, "ACME", 10, 200),
                entry(3, T.SPLIT, 2, "ACME", split=(2, 1)),
            ],
            CostMethod.AVERAGE,
        )
        # 40 units costing 3000, 75 each
        assert sum(lot.cost for lot in book.open_lots) == D(3000)
        assert {lot.unit_cost for lot in book.open_lots} == {D(75)}


class TestIncome:
    def test_dividend(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 10, 100),
                # 10 shares x 0.50 = 5.00 gross, 0.75 withheld
                entry(2, T.DIVIDEND, 30, "ACME", 10, "0.5", "0.75"),
            ]
        )
        assert book.total(INCOME) == D(5)
        assert book.total(FEE) == D("0.75")
        assert book.cash == {"USD": D("4.25")}  # 5 - 0.75, the purchase funded from outside

    def test_dividend_after_selling_out(self) -> None:
        book = replay(
            [
                entry(1, T.BUY, 0, "ACME", 10, 100),
                entry(2, T.SELL, 1, "ACME", 10, 100),
                entry(3, T.DIVIDEND, 2, "ACME", 10, 1),
            ]
        )
        assert book.total(INCOME) == D(10)


class TestHoldingPeriod:
    def test_days(self) -> None:
        book = replay([entry(1, T.BUY, 9, "ACME", 2, 1), entry(2, T.SELL, 69, "ACME", 1, 1)])
        # 2024-01-10 to 2024-03-10: 31 + 29 days
        assert book.closed_lots[0].holding_days == 60
        assert book.open_lots[0].holding_days(datetime(2024, 3, 10, tzinfo=UTC).date()) == 60


class TestBadInput:
    def test_oversell(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            replay([entry(1, T.BUY, 0, "ACME", 5, 1), entry(2, T.SELL, 1, "ACME", 6, 1)])
        assert "quantity" in err.value.fields

    def test_sell_never_held(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            replay([entry(1, T.SELL, 1, "ACME", 1, 1)])
        assert "quantity" in err.value.fields

    @pytest.mark.parametrize("ratio", [(0, 1), (2, 0), (-1, 2)])
    def test_bad_split(self, ratio: tuple[int, int]) -> None:
        with pytest.raises(ValidationFailed) as err:
            replay([entry(1, T.BUY, 0, "ACME", 5, 1), entry(2, T.SPLIT, 1, "ACME", split=ratio)])
        assert "split" in err.value.fields

    def test_dividend_never_held(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            replay([entry(1, T.BUY, 0, "ACME", 5, 1), entry(2, T.DIVIDEND, 1, "OTHER", 5, 1)])
        assert "symbol" in err.value.fields

    def test_currency_mismatch(self) -> None:
        with pytest.raises(ValidationFailed) as err:
            replay(
                [entry(1, T.BUY, 0, "ACME", 5, 1), entry(2, T.BUY, 1, "ACME", 5, 1, currency="EUR")]
            )
        assert "currency" in err.value.fields

    def test_naive_time(self) -> None:
        bad = entry(1, T.BUY, 0, "ACME", 5, 1)
        naive = type(bad)(**{**_fields(bad), "executed_at": datetime(2024, 1, 1)})  # noqa: DTZ001
        with pytest.raises(ValidationFailed) as err:
            replay([naive])
        assert "executed_at" in err.value.fields

    def test_out_of_order(self) -> None:
        book = LotBook()
        book.apply(entry(2, T.BUY, 5, "ACME", 5, 1))
        with pytest.raises(ValidationFailed) as err:
            book.apply(entry(1, T.BUY, 0, "ACME", 5, 1))
        assert "executed_at" in err.value.fields


class TestDeterminism:
    def test_order_of_input_does_not_matter(self) -> None:
        same_time = [entry(i, T.BUY, 0, "ACME", i, 10 + i) for i in range(1, 6)]
        sale = entry(9, T.SELL, 0, "ACME", 7, 20)
        one = replay([*same_time, sale])
        two = replay([sale, *reversed(same_time)])
        assert one == two
        assert [c.lot_id for c in one.closed_lots] == [1, 2, 3, 4]  # ties broken by id

    def test_accounts_apart(self) -> None:
        books = replay_accounts(
            [
                entry(1, T.BUY, 0, "ACME", 1, 1, account="a"),
                entry(2, T.BUY, 0, "X", 1, 1, account="b"),
            ],
            {"b": CostMethod.AVERAGE},
        )
        assert list(books) == ["a", "b"]
        assert books["b"].method is CostMethod.AVERAGE


def _fields(e: object) -> dict[str, object]:
    return {name: getattr(e, name) for name in e.__slots__}  # type: ignore[attr-defined]


def test_decimal_everywhere() -> None:
    book = replay(TWO_BUYS_ONE_SALE)
    assert all(isinstance(v, Decimal) for v in (book.realized(), book.open_cost()))
