"""A broker CSV is read strictly: a cell it cannot read refuses its row, in the preview and in
the import, and nothing is written."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from pulsefolio.portfolio.imports.broker_csv import parse_csv

MakeUser = Callable[..., Awaitable[Any]]
Count = Callable[[str], Awaitable[int]]
TABLES = ("transactions", "accounts", "positions", "cash_balances")
HEADER = "date,symbol,type,quantity,price\n"
GOOD = "2025-01-02,AAPL,buy,1,10\n"
CASH = "date,symbol,type,quantity,price,amount\n"

# content -> (row, field) of the one error it must give
BROKEN = {
    "negative price": (HEADER + GOOD + "2025-01-03,AAPL,buy,1,-10\n", (2, "price")),
    "unterminated quote at the end": (HEADER + GOOD + '2025-01-03,AAPL,buy,1,"10\n', (2, "row")),
    "unterminated quote inside": (HEADER + '2025-01-02,"AAPL,buy,1,10\n' + GOOD, (1, "row")),
    "text after a closing quote": (HEADER + GOOD + '2025-01-03,"AAPL"x,buy,1,10\n', (2, "row")),
    "more cells than the header": (HEADER + GOOD + "2025-01-03,AAPL,buy,1,10,9\n", (2, "row")),
    "fewer cells than the header": (HEADER + "2025-01-03,AAPL,buy,1\n" + GOOD, (1, "row")),
    "negative dividend": (CASH + "2025-01-02,AAPL,buy,1,10,\n2025-01-03,AAPL,dividend,,,-1.5\n",
                          (2, "amount")),
    "negative interest": (CASH + "2025-01-03,,interest,,,(0.40)\n", (1, "amount")),
}  # fmt: skip


async def _counts(count_rows: Count) -> dict[str, int]:
    return {table: await count_rows(table) for table in TABLES}


@pytest.mark.parametrize("case", list(BROKEN))
def test_parser_refuses_the_row(case: str) -> None:
    content, where = BROKEN[case]
    parsed = parse_csv(content)
    assert [(e.row, e.field) for e in parsed.errors] == [where], parsed.errors


def test_the_reason_says_what_is_wrong() -> None:
    (unterminated,) = parse_csv(BROKEN["unterminated quote at the end"][0]).errors
    assert "unterminated quote" in unterminated.reason
    (extra,) = parse_csv(BROKEN["more cells than the header"][0]).errors
    assert extra.reason == "has 6 cells where the header has 5"


def test_signs_of_quantity_fee_and_other_amounts_are_still_ignored() -> None:
    parsed = parse_csv("date,symbol,type,quantity,price,fee\n2025-01-02,AAPL,sell,-2,10,-1\n")
    (row,) = parsed.rows
    assert (row.quantity, row.price, row.fee) == (2, 10, 1)
    cash = parse_csv(CASH + "2025-01-02,,withdrawal,,,(250.00)\n2025-01-03,AAPL,dividend,,,1.5\n")
    assert not cash.errors and [r.amount for r in cash.rows] == [250, Decimal("1.5")]


def test_a_negative_income_amount_says_it_is_a_reversal() -> None:
    (error,) = parse_csv(BROKEN["negative dividend"][0]).errors
    assert error.reason.startswith("is negative: a dividend reversal is not imported")


@pytest.mark.parametrize("case", list(BROKEN))
async def test_preview_and_import_refuse_it_and_write_nothing(
    case: str,
    make_user: MakeUser,
    make_asset: Callable[..., Awaitable[int]],
    count_rows: Count,
) -> None:
    content, (row, field) = BROKEN[case]
    await make_asset("AAPL")
    user = await make_user()
    created = await user.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
    assert created.status_code == 201, created.text
    body = {"format": "csv", "content": content, "account_id": created.json()["id"]}
    before = await _counts(count_rows)

    preview = await user.client.post("/api/v1/imports/preview", json=body)
    assert preview.status_code == 200, preview.text
    assert preview.json()["ok"] is False
    assert [(e["row"], e["field"]) for e in preview.json()["errors"]] == [(row, field)]

    refused = await user.client.post("/api/v1/imports", json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] == "ValidationFailed"
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(row, field)]
    assert await _counts(count_rows) == before
