"""Ghostfolio's JSON export (``GET /api/v1/export``): ``meta``, ``accounts[]``, ``activities[]``.

An activity has ``accountId``, ``date`` (ISO 8601), ``type``, ``symbol``, ``dataSource``,
``quantity``, ``unitPrice``, ``fee``, ``currency`` and ``comment``; ``accounts[]`` gives each
``id`` its ``name`` and ``currency``. Types map as BUY, SELL -> trades; DIVIDEND -> a dividend of
``quantity * unitPrice`` (``fee`` is the withholding); INTEREST -> interest of
``quantity * unitPrice``; FEE -> a fee of ``fee`` (or ``quantity * unitPrice`` when ``fee`` is
0), with no asset. ITEM and LIABILITY (manual valuables and debts) have no counterpart and are
row errors. Interest and fees in Ghostfolio hang on a per-user manual asset, so their symbol is
not looked up. Numbers are read straight into Decimal, never through float.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pulsefolio.core.domain import TransactionType
from pulsefolio.core.money import in_major_unit
from pulsefolio.portfolio.imports.rows import Parsed, ParsedRow, RowError, RowProblems
from pulsefolio.portfolio.imports.values import parse_date, parse_number
from pulsefolio.portfolio.ledger.checks import column_problems, money_product

T = TransactionType
TYPES = {
    "BUY": T.BUY,
    "SELL": T.SELL,
    "DIVIDEND": T.DIVIDEND,
    "INTEREST": T.INTEREST,
    "FEE": T.FEE,
}
UNSUPPORTED = {"ITEM": "valuables", "LIABILITY": "liabilities"}
_FIELDS = {"price": "unitPrice"}  # the column names as the export calls them


def parse_ghostfolio(content: str) -> Parsed:
    """Every activity read into a :class:`ParsedRow` (row = position in ``activities``, from 1)."""
    try:
        document = json.loads(content, parse_float=Decimal, parse_int=Decimal)
    except json.JSONDecodeError as exc:
        return Parsed(errors=[RowError(0, "content", f"not JSON: {exc.msg} at line {exc.lineno}")])
    except RecursionError:
        return Parsed(errors=[RowError(0, "content", "nested too deeply")])
    except ValueError as exc:  # a number json cannot convert
        return Parsed(errors=[RowError(0, "content", f"not readable JSON: {exc}"[:200])])
    activities = document.get("activities") if isinstance(document, dict) else None
    if not isinstance(activities, list):
        return Parsed(errors=[RowError(0, "activities", "the export has no activities list")])
    accounts = _accounts(document.get("accounts"))
    parsed = Parsed()
    for number, activity in enumerate(activities, start=1):
        problems = RowProblems(number)
        if not isinstance(activity, dict):
            problems.add("activity", "must be an object")
            row = None
        else:
            row = _activity(number, activity, accounts, problems)
        if problems.errors or row is None:
            parsed.errors.extend(problems.errors)
        else:
            parsed.rows.append(row)
    if not activities:
        parsed.errors.append(RowError(0, "activities", "the export has no activities"))
    return parsed


def _accounts(raw: Any) -> dict[str, tuple[str, str | None]]:
    """Ghostfolio account id -> (name, currency)."""
    found: dict[str, tuple[str, str | None]] = {}
    for account in raw if isinstance(raw, list) else []:
        if isinstance(account, dict) and account.get("id") and account.get("name"):
            currency = account.get("currency")
            found[str(account["id"])] = (
                str(account["name"]).strip(),
                str(currency).upper() if currency else None,
            )
    return found


def _number(activity: dict[str, Any], name: str, problems: RowProblems) -> Decimal | None:
    value = activity.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str, Decimal)):
        problems.add(name, "must be a number")
        return None
    try:
        return parse_number(str(value))
    except ValueError as exc:
        problems.add(name, str(exc))
        return None


def _activity(
    number: int,
    activity: dict[str, Any],
    accounts: dict[str, tuple[str, str | None]],
    problems: RowProblems,
) -> ParsedRow | None:
    raw_type = str(activity.get("type") or "").upper()
    kind = TYPES.get(raw_type)
    if kind is None:
        what = UNSUPPORTED.get(raw_type)
        reason = f"{raw_type} ({what}) is not supported" if what else f"unknown type {raw_type!r}"
        problems.add("type", reason if raw_type else "is required")
    moment = None
    try:
        moment = parse_date(str(activity.get("date") or ""))
    except ValueError as exc:
        problems.add("date", str(exc))
    quantity = _number(activity, "quantity", problems)
    price = _number(activity, "unitPrice", problems)
    fee: Decimal | None = _number(activity, "fee", problems) or Decimal(0)
    # pence and the like: the asset and its ledger are in the major currency
    currency: str | None
    currency, (price, fee) = in_major_unit(str(activity.get("currency") or ""), price, fee)
    fee = fee or Decimal(0)
    if fee < 0:
        problems.add("fee", "must not be negative")
    given = {"quantity": quantity, "price": price, "fee": fee}
    for name, reason in column_problems(given).items():
        problems.add(_FIELDS.get(name, name), reason)
    account_id = activity.get("accountId")
    account, account_currency = accounts.get(str(account_id), (None, None))
    if account_id and account is None:
        problems.add("account", f"accountId {account_id} is not in the export's accounts")
    if kind is None or moment is None or problems.errors:
        return None
    currency = currency.upper() or None
    symbol = str(activity.get("symbol") or "").strip().upper() or None
    row = ParsedRow(
        row=number,
        type=kind,
        executed_at=moment,
        account=account,
        account_currency=account_currency,
        currency=currency,
        fee=fee,
        note=str(activity["comment"]) if activity.get("comment") else None,
    )
    product = money_product(quantity, price) if quantity is not None and price is not None else None
    if kind in (T.BUY, T.SELL):
        row.symbol, row.quantity, row.price = symbol, quantity, price
    elif kind is T.DIVIDEND:
        row.symbol, row.amount = symbol, product
    elif kind is T.INTEREST:
        row.amount = product
    else:  # FEE: the amount is in ``fee``
        row.amount, row.fee = (fee, Decimal(0)) if fee else (product, Decimal(0))
    return row
