"""Parsers against sample files: header spellings, date and number formats, type mapping."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from pulsefolio.core.domain import TransactionType as T
from pulsefolio.portfolio.imports.broker_csv import parse_csv
from pulsefolio.portfolio.imports.ghostfolio import parse_ghostfolio
from pulsefolio.portfolio.imports.values import parse_date, parse_number, parse_ratio

DATA = Path(__file__).parent / "data"
D = Decimal


def _read(name: str) -> str:
    return (DATA / name).read_text()


class TestGhostfolio:
    def test_real_export_shape(self) -> None:
        parsed = parse_ghostfolio(_read("ghostfolio-export.json"))
        assert parsed.errors == []
        buy, dividend, sell, interest, nestle, fee = parsed.rows
        assert (buy.type, buy.symbol, buy.quantity, buy.price, buy.fee) == (
            T.BUY,
            "AAPL",
            D(10),
            D("185.64"),
            D(1),
        )
        assert (buy.account, buy.account_currency) == ("Interactive Brokers", "USD")
        # a dividend is quantity x unitPrice: 10 x 0.25 = 2.50, withholding 0.36 stays the fee
        assert (dividend.type, dividend.amount, dividend.fee) == (T.DIVIDEND, D("2.50"), D("0.36"))
        assert sell.executed_at == datetime(2025, 5, 20, 14, 30, tzinfo=UTC)
        # interest and fees hang on Ghostfolio's private manual symbols: no asset
        assert (interest.type, interest.amount, interest.symbol) == (T.INTEREST, D("3.12"), None)
        assert (fee.type, fee.amount, fee.fee, fee.symbol) == (T.FEE, D("12.5"), D(0), None)
        assert (nestle.account, nestle.account_currency, nestle.currency) == (
            "Swissquote",
            "CHF",
            "CHF",
        )

    def test_item_and_liability_and_bad_values_are_row_errors(self) -> None:
        content = (
            '{"accounts": [], "activities": ['
            '{"type": "ITEM", "date": "2025-01-01T00:00:00.000Z", "quantity": 1, "unitPrice": 5},'
            '{"type": "BUY", "date": "someday", "quantity": "x", "unitPrice": 1, "fee": -1},'
            '{"type": "LIABILITY", "date": "2025-01-01", "accountId": "gone"}]}'
        )
        errors = [(e.row, e.field) for e in parse_ghostfolio(content).errors]
        assert errors == [
            (1, "type"),
            (2, "date"),
            (2, "quantity"),
            (2, "fee"),
            (3, "type"),
            (3, "account"),
        ]

    def test_pence_become_pounds(self) -> None:
        """A London line quoted in pence (``GBp``) is booked in pounds, as the asset is priced:
        100 × 72.5p = £72.50, fee 150p = £1.50; a dividend of 200 × 3.1p = £6.20."""
        content = (
            '{"accounts": [], "activities": ['
            '{"type": "BUY", "date": "2025-03-03T00:00:00.000Z", "symbol": "TSCO.L",'
            ' "quantity": 100, "unitPrice": 72.5, "fee": 150, "currency": "GBp"},'
            '{"type": "DIVIDEND", "date": "2025-06-03T00:00:00.000Z", "symbol": "TSCO.L",'
            ' "quantity": 200, "unitPrice": 3.1, "fee": 0, "currency": "GBX"}]}'
        )
        parsed = parse_ghostfolio(content)
        assert parsed.errors == []
        buy, dividend = parsed.rows
        assert (buy.quantity, buy.price, buy.fee, buy.currency) == (
            D(100),
            D("0.725"),
            D("1.5"),
            "GBP",
        )
        assert (dividend.amount, dividend.currency) == (D("6.2"), "GBP")

    def test_not_json_is_a_file_error(self) -> None:
        (error,) = parse_ghostfolio("activities: []").errors
        assert (error.row, error.field) == (0, "content")


class TestBrokerCsv:
    def test_semicolon_file_with_decimal_commas_and_day_first_dates(self) -> None:
        parsed = parse_csv(_read("broker-eu-semicolon.csv"))
        assert parsed.errors == []
        first, second, sale = parsed.rows
        assert (first.executed_at, first.price, first.fee, first.account) == (
            datetime(2025, 2, 3, tzinfo=UTC),
            D("95.40"),
            D("4.90"),
            "Depot",
        )
        assert second.price == D("1001.25")  # "1.001,25"
        assert (sale.type, sale.quantity) == (T.SELL, D(5))  # "-5": the type gives the sign

    def test_pence_become_pounds(self) -> None:
        """100 × 72.5p with 150p fee is 100 × £0.725 with £1.50; a 620p dividend is £6.20."""
        parsed = parse_csv(
            "date,type,symbol,quantity,price,fee,amount,currency\n"
            "2025-03-03,BUY,TSCO.L,100,72.5,150,,GBp\n"
            "2025-06-03,DIVIDEND,TSCO.L,,,,620,GBX\n"
        )
        assert parsed.errors == []
        buy, dividend = parsed.rows
        assert (buy.price, buy.fee, buy.currency) == (D("0.725"), D("1.5"), "GBP")
        assert (dividend.amount, dividend.currency) == (D("6.2"), "GBP")

    def test_us_file_with_other_header_spellings(self) -> None:
        parsed = parse_csv(_read("broker-us.csv"))
        assert parsed.errors == []
        deposit, buy, msft, split, sale, withdrawal = parsed.rows
        assert (deposit.type, deposit.amount, deposit.note) == (
            T.DEPOSIT,
            D("5000.00"),
            "initial funding",
        )
        assert (buy.executed_at, buy.price, buy.fee) == (
            datetime(2025, 1, 15, tzinfo=UTC),
            D("1234.50"),
            D("0.99"),
        )
        assert (msft.type, msft.symbol) == (T.BUY, "MSFT")
        assert (split.type, split.split_numerator, split.split_denominator) == (T.SPLIT, 4, 1)
        assert sale.type is T.SELL
        assert (withdrawal.type, withdrawal.amount) == (T.WITHDRAWAL, D("250.00"))

    def test_every_bad_cell_of_every_row_is_reported(self) -> None:
        parsed = parse_csv(
            "Date,Symbol,Type,Qty,Price\n"
            "2025-01-02,AAPL,buy,1,1\n"
            "2025-13-02,AAPL,buy,x,1\n"
            ",AAPL,swap,1,1\n"
        )
        assert [(e.row, e.field, e.reason) for e in parsed.errors] == [
            (2, "date", "not a recognised date: '2025-13-02'; use YYYY-MM-DD"),
            (2, "quantity", "not a number: 'x'"),
            (3, "type", "unknown type 'swap'"),
            (3, "date", "is required"),
        ]
        assert [row.row for row in parsed.rows] == [1]

    def test_missing_required_columns_name_the_accepted_headers(self) -> None:
        errors = parse_csv("when,ticker,shares\n2025-01-01,AAPL,1\n").errors
        assert [(e.row, e.field) for e in errors] == [(0, "date"), (0, "type")]
        assert "tradedate" in errors[0].reason

    def test_unreadable_files_and_nul_characters_are_errors(self) -> None:
        (error,) = parse_csv("date,type,note\n2025-01-01,buy,a\0b\n").refuse_nul().errors
        assert (error.row, error.field, error.reason) == (1, "note", "contains a NUL character")
        (error,) = parse_ghostfolio("[" * 100_000 + "]" * 100_000).errors
        assert (error.row, error.reason) == (0, "nested too deeply")

    def test_slashed_dates_are_day_first_when_the_file_shows_it(self) -> None:
        rows = parse_csv("date,type,amount\n01/02/2025,deposit,1\n25/02/2025,deposit,1\n").rows
        assert [row.executed_at.date().isoformat() for row in rows] == ["2025-02-01", "2025-02-25"]


class TestValues:
    @pytest.mark.parametrize(
        ("text", "value"),
        [("1,234.5", "1234.5"), ("1.234,5", "1234.5"), ("12,5", "12.5"), ("(3)", "-3")],
    )
    def test_numbers(self, text: str, value: str) -> None:
        assert parse_number(text) == D(value)

    def test_thousands_or_decimal_comma_is_ambiguous_in_a_comma_file(self) -> None:
        with pytest.raises(ValueError, match="ambiguous"):
            parse_number("1,234")
        assert parse_number("1,234", decimal_comma=True) == D("1.234")

    @pytest.mark.parametrize(
        "text", ["2025-03-04", "2025/03/04", "04.03.2025", "Mar 4, 2025", "4 Mar 2025"]
    )
    def test_dates(self, text: str) -> None:
        assert parse_date(text) == datetime(2025, 3, 4, tzinfo=UTC)

    def test_dates_outside_reason_are_refused(self) -> None:
        with pytest.raises(ValueError, match="year 9999"):
            parse_date("9999-12-31T23:59:59-05:00")

    def test_ratio(self) -> None:
        assert parse_ratio("1:10") == (D(1), D(10))
        assert parse_ratio("3-for-1") == (D(3), D(1))
        with pytest.raises(ValueError, match="ratio"):
            parse_ratio("half")
