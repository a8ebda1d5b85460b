"""The ledger as a broker-style CSV that the CSV import reads back into the same transactions.

Columns: date, account, type, symbol, quantity, price, fee, amount, currency, split_ratio,
note. ``date`` is ``YYYY-MM-DD`` for a transaction at midnight UTC and ISO 8601 with the UTC
offset otherwise, so the moment (and with it the replay order) survives a round trip.

A text cell (account, symbol, note) that a spreadsheet would run as a formula (one starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``,
which spreadsheets show as text; numbers are written as they are. Text that already starts
with ``'`` before such a character gets one more, so removing one ``'`` on reading restores
every text exactly.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.imports import repository
from pulsefolio.portfolio.imports.values import format_ratio
from pulsefolio.portfolio.transactions.decimals import plain

COLUMNS = (
    "date",
    "account",
    "type",
    "symbol",
    "quantity",
    "price",
    "fee",
    "amount",
    "currency",
    "split_ratio",
    "note",
)


def format_moment(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.date().isoformat() if utc.time() == time() else utc.isoformat()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _number(value: Decimal | None) -> str:
    return "" if value is None else plain(value)


def text_cell(value: str | None) -> str:
    """``value`` as a cell no spreadsheet runs as a formula."""
    if not value:
        return ""
    return "'" + value if value.lstrip("'").startswith(FORMULA_STARTS) else value


def cell_text(cell: str) -> str:
    """The text :func:`text_cell` made ``cell`` from (other cells are returned as they are)."""
    guarded = cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS)
    return cell[1:] if guarded else cell


async def export_csv(session: AsyncSession, user: CurrentUser, account_id: int | None) -> str:
    """The caller's ledger (one account's if given; NotFound if not the caller's) as CSV text."""
    if account_id is not None:
        await accounts.get(session, user, account_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # a cell holding either is then quoted
    writer.writerow(COLUMNS)
    for tx, account_name, symbol in await repository.ledger(session, user.id, account_id):
        writer.writerow(
            (
                format_moment(tx.executed_at),
                text_cell(account_name),
                tx.type.value,
                text_cell(symbol),
                _number(tx.quantity),
                _number(tx.price),
                _number(tx.fee),
                _number(tx.amount),
                tx.currency,
                format_ratio(tx.split_numerator, tx.split_denominator),
                text_cell(tx.note),
            )
        )
    return out.getvalue()
