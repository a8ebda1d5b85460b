"""Dots in a file with decimal commas (``;``-separated): thousands marks, or refused; and how
a ``;``-separated file shows which decimal mark it writes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from pulsefolio.portfolio.imports.broker_csv import parse_csv
from pulsefolio.portfolio.imports.values import parse_number, writes_decimal_comma

HEADER = "Date;Type;Symbol;Quantity;Price;Fee\n"


def test_a_dotted_thousand_is_a_thousand() -> None:
    parsed = parse_csv(HEADER + "02.01.2026;buy;SAP;1.000;12,50;0\n")
    assert parsed.errors == []
    (row,) = parsed.rows
    assert (row.quantity, row.price) == (D(1000), D("12.50"))


@pytest.mark.parametrize(
    ("text", "value"), [("1.000", "1000"), ("1.234.567", "1234567"), ("-1.000", "-1000"),
                        ("(2.500)", "-2500"), ("12", "12"), ("12,5", "12.5")],
)  # fmt: skip
def test_thousands_dots_with_decimal_commas(text: str, value: str) -> None:
    assert parse_number(text, decimal_comma=True) == D(value)


@pytest.mark.parametrize("text", ["12.5", "1.00", "1.0000", "1234.567", "1.23.456", ".5"])
def test_other_dotted_numbers_are_ambiguous_with_decimal_commas(text: str) -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_number(text, decimal_comma=True)


def test_an_ambiguous_dot_is_a_row_error() -> None:
    """The second row's comma shows the file's decimal comma; the first row's 12.5 is then
    neither a decimal nor a thousands mark."""
    parsed = parse_csv(HEADER + "02.01.2026;buy;SAP;10;12.5;0\n03.01.2026;buy;SAP;1;12,5;0\n")
    assert [row.row for row in parsed.rows] == [2]
    (error,) = parsed.errors
    assert (error.row, error.field) == (1, "price")
    assert error.reason.startswith("ambiguous number '12.5': this file writes decimals with a")


@pytest.mark.parametrize(
    ("numbers", "comma"),
    [(["12,5"], True), (["1.000", "2"], True), (["12.5", "1.000"], False),
     (["1,234.50"], False), (["1.234,50"], True), (["(3.25)"], False), ([], True)],
)  # fmt: skip
def test_a_semicolon_file_shows_its_decimal_mark(numbers: list[str], comma: bool) -> None:
    assert writes_decimal_comma(numbers) is comma


def test_a_semicolon_file_with_decimal_dots_reads_them_as_decimals() -> None:
    rows = "2026-01-02;buy;AAPL;1.5;187.25;0.99\n2026-01-03;sell;AAPL;1;190;0\n"
    parsed = parse_csv(HEADER + rows)
    assert parsed.errors == []
    assert [(r.quantity, r.price, r.fee) for r in parsed.rows] == [
        (D("1.5"), D("187.25"), D("0.99")),
        (D(1), D(190), D(0)),
    ]


def test_dots_stay_decimal_points_without_decimal_commas() -> None:
    assert parse_number("1.000") == D("1.000")
    assert parse_number("12.5") == D("12.5")
