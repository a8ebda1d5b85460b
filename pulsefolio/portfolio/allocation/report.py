"""One dimension's allocation against its targets: rows per key and the rebalancing trades.

The figures come from the same :class:`~pulsefolio.portfolio.portfolios.service.Valuation` the
``/portfolio`` routes answer from (priced holdings and convertible cash, today's prices and
rates), so ``total_value`` is their ``total_value``. Drift is measured on today's total;
targets after the trades on the total plus the new money.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pulsefolio.core.money import ZERO, present
from pulsefolio.portfolio.allocation.checks import CASH_KEY, HUNDRED
from pulsefolio.portfolio.allocation.rebalance import Member, Plan, Trade, plan
from pulsefolio.portfolio.allocation.schemas import Dimension
from pulsefolio.portfolio.portfolios.service import Valuation

PERCENT = Decimal("0.0001")


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * HUNDRED if whole else ZERO).quantize(PERCENT, ROUND_HALF_EVEN)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def residual_key(dimension: Dimension, base: str) -> str:
    return base if dimension is Dimension.CURRENCY else CASH_KEY


def members(valuation: Valuation, dimension: Dimension) -> tuple[list[Member], dict[str, str]]:
    """Every priced holding and convertible cash balance as a member, and a label per key."""
    board, out, labels = valuation.board, [], {}
    for h in valuation.priced:
        asset, quote = board.assets[h.asset], board.quotes[h.asset]
        assert quote is not None
        key = {
            Dimension.ASSET_CLASS: asset.asset_class,
            Dimension.CURRENCY: quote.currency,
            Dimension.HOLDING: str(asset.id),
        }[dimension]
        labels[key] = f"{asset.symbol} · {asset.name}" if dimension is Dimension.HOLDING else key
        rate = valuation.conversions[quote.currency].rate
        out.append(
            Member(key, h.account_id, asset.id, quote.currency, h.quantity, quote.price, rate)
        )
    for c in valuation.cash:
        conversion = valuation.conversions.get(c.currency)
        if conversion is None:
            continue
        key = c.currency if dimension is Dimension.CURRENCY else CASH_KEY
        labels.setdefault(key, key)
        rate = conversion.rate
        out.append(Member(key, c.account_id, None, c.currency, c.amount, Decimal(1), rate))
    return out, labels


def allocation(
    valuation: Valuation,
    dimension: Dimension,
    targets: Mapping[str, Decimal],
    tolerance: Decimal,
    cash: Decimal | None,
) -> dict[str, Any]:
    """The body of ``GET /api/v1/allocation``; ``targets`` in percent, ``cash`` None: full
    rebalance, else buying only with that much new money."""
    base = valuation.base
    found, labels = members(valuation, dimension)
    residual = residual_key(dimension, base)
    fractions = {k: w / HUNDRED for k, w in targets.items()}
    new_money = cash or ZERO
    result = plan(found, fractions, residual=residual, base=base, cash=new_money,
                  buy_only=cash is not None)  # fmt: skip
    if not targets:
        result = Plan(result.total, result.after, result.values, ())
    board = valuation.board
    symbols = {m.asset_id: board.assets[board.index[m.asset_id]].symbol
               for m in found if m.asset_id is not None}  # fmt: skip
    return {
        "dimension": dimension.value,
        "base_currency": base,
        "account_id": valuation.account_id,
        "total_value": str(present(valuation.value.value_base, base)),
        "cash": str(present(new_money, base)),
        "total_after": str(present(result.after, base)),
        "mode": "rebalance" if cash is None else "buy_only",
        "residual_key": residual,
        "tolerance_percent": _plain(tolerance),
        "targets_set": bool(targets),
        "rows": _rows(result, targets, labels, tolerance, residual, new_money, base),
        "trades": [_trade(t, symbols, base) for t in result.trades],
    }


def _rows(
    result: Plan,
    targets: Mapping[str, Decimal],
    labels: Mapping[str, str],
    tolerance: Decimal,
    residual: str,
    cash: Decimal,
    base: str,
) -> list[dict[str, Any]]:
    changes: dict[str, Decimal] = {}
    for t in result.trades:
        changes[t.key] = changes.get(t.key, ZERO) + t.amount
    settled = cash - sum((a for k, a in changes.items() if k != residual), ZERO)
    if targets:
        changes[residual] = settled
    keys = sorted({*result.values, *targets}, key=lambda k: (-result.values.get(k, ZERO), k))
    rows = []
    for key in keys:
        value = result.values.get(key, ZERO)
        change = changes.get(key, ZERO)
        weight = _percent(value, result.total)
        row: dict[str, Any] = {
            "key": key,
            "label": labels.get(key, key),
            "value": str(present(value, base)),
            "weight_percent": str(weight),
            "target_percent": None,
            "drift_percent": None,
            "drift_amount": None,
            "outside_tolerance": False,
            "change": str(present(change, base)),
            "value_after": str(present(value + change, base)),
            "weight_after_percent": str(_percent(value + change, result.after)),
        }
        if targets:
            target = targets.get(key, ZERO)
            drift = weight - target.quantize(PERCENT)
            row.update(
                target_percent=str(target.quantize(PERCENT)),
                drift_percent=str(drift),
                drift_amount=str(present(value - target / HUNDRED * result.total, base)),
                outside_tolerance=abs(drift) > tolerance,
            )
        rows.append(row)
    return rows


def _trade(t: Trade, symbols: Mapping[int, str], base: str) -> dict[str, Any]:
    m = t.member
    kind = "unassigned" if m is None else "cash" if m.asset_id is None else "holding"
    return {
        "key": t.key,
        "kind": kind,
        "action": "buy" if t.amount > 0 or (t.quantity or ZERO) > 0 else "sell",
        "account_id": None if m is None else m.account_id,
        "asset_id": None if m is None else m.asset_id,
        "symbol": None if m is None or m.asset_id is None else symbols.get(m.asset_id),
        "currency": base if m is None else m.currency,
        "price": None if m is None else _plain(m.price),
        "quantity": None if t.quantity is None else _plain(abs(t.quantity)),
        "amount": str(abs(t.amount)),
    }
