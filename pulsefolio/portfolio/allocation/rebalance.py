"""The trades that bring a portfolio back to its target weights, exactly in Decimal.

The portfolio is a list of :class:`Member` (each holding per account and asset, each cash
balance per account and currency), each under one key of the dimension. Trades are paid from
and into cash in the base currency; new money (``cash``) arrives there too. The after-trade
total is ``total + cash`` and key ``k`` should end at ``target_k x (total + cash)``.

* Full rebalance: every key but the *residual* one trades its whole gap. The residual key is
  the one the settlement cash belongs to (``cash`` for asset classes and holdings, the base
  currency for currencies): it ends on target by itself, since the gaps sum to ``cash``. In the
  currency dimension a plan that would leave the base cash below zero also sells base-currency
  holdings for the shortfall (their weight is unchanged by that).
* Buying only (``buy_only``): no sells; ``cash`` is spread over the underweight keys in
  proportion to their gaps (all of them are filled when ``cash`` covers every gap, which is
  when no key is above target after the new money).
* A key's amount is spread over its members in proportion to their current value; cash
  balances of a non-residual key (foreign currencies in the currency dimension) are converted
  from or to the base currency. A key with nothing held gets one trade without an asset.
* Quantities are rounded half-even to :data:`QUANTITY_PLACES` decimals (a sale of everything is
  the held quantity exactly), conversions to the currency's minor unit; the amount in the base
  currency is the rounded quantity at the current price and rate, rounded to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from pulsefolio.core.money import ZERO, present

QUANTITY_PLACES = 6
_QUANTUM = Decimal(1).scaleb(-QUANTITY_PLACES)


@dataclass(frozen=True, slots=True)
class Member:
    """One holding (``asset_id`` set) or cash balance (``asset_id`` None) under ``key``.

    ``quantity`` and ``price`` are in ``currency`` (cash: the amount, price 1); ``rate`` is base
    units per unit of ``currency``; ``value`` is ``quantity x price x rate``.
    """

    key: str
    account_id: int
    asset_id: int | None
    currency: str
    quantity: Decimal
    price: Decimal
    rate: Decimal

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price * self.rate


@dataclass(frozen=True, slots=True)
class Trade:
    """Buy (positive) or sell (negative) ``quantity`` of a member; ``member`` None: a key with
    nothing held, where only ``amount`` (base currency) is known."""

    key: str
    member: Member | None
    quantity: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class Plan:
    total: Decimal  # current value of every member, unrounded
    after: Decimal  # total + new cash
    values: Mapping[str, Decimal]  # current value per key
    trades: tuple[Trade, ...]


def key_values(members: Iterable[Member]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for m in members:
        out[m.key] = out.get(m.key, ZERO) + m.value
    return out


def plan(
    members: list[Member],
    targets: Mapping[str, Decimal],
    *,
    residual: str,
    base: str,
    cash: Decimal = ZERO,
    buy_only: bool = False,
) -> Plan:
    """The trades taking ``members`` to ``targets`` (fractions summing to 1, by key)."""
    values = key_values(members)
    total = sum(values.values(), ZERO)
    after = total + cash
    gaps = {k: targets.get(k, ZERO) * after - values.get(k, ZERO) for k in {*values, *targets}}
    amounts = _buying(gaps, cash) if buy_only else gaps
    trades: list[Trade] = []
    for key in sorted(amounts):
        if key != residual and amounts[key]:
            trades += _spread(key, amounts[key], [m for m in members if m.key == key], base)
    spent = sum((t.amount for t in trades), ZERO)
    held_cash = sum((m.value for m in members if m.key == residual and m.asset_id is None), ZERO)
    shortfall = spent - cash - max(held_cash, ZERO)
    held = [m for m in members if m.key == residual and m.asset_id is not None and m.value > 0]
    if shortfall > 0 and held and not buy_only:
        trades += _spread(residual, -shortfall, held, base)
    kept = tuple(t for t in trades if t.quantity != 0 or (t.member is None and t.amount))
    return Plan(total, after, values, kept)


def _buying(gaps: Mapping[str, Decimal], cash: Decimal) -> dict[str, Decimal]:
    short = {k: g for k, g in gaps.items() if g > 0}
    needed = sum(short.values(), ZERO)
    if cash <= 0 or not needed:
        return {}
    if needed <= cash:
        return short
    return {k: cash * g / needed for k, g in short.items()}


def _spread(key: str, amount: Decimal, members: list[Member], base: str) -> list[Trade]:
    held = [m for m in members if m.value > 0]
    worth = sum((m.value for m in held), ZERO)
    if not held:
        return [Trade(key, None, None, present(amount, base))]
    return [_trade(key, m, amount * m.value / worth, base) for m in held]


def _trade(key: str, m: Member, amount: Decimal, base: str) -> Trade:
    exact = amount / (m.price * m.rate)
    if m.asset_id is None:
        quantity = present(exact, m.currency)
    else:
        quantity = exact.quantize(_QUANTUM, ROUND_HALF_EVEN)
    if quantity < -m.quantity or -exact >= m.quantity:
        quantity = -m.quantity
    return Trade(key, m, quantity, present(quantity * m.price * m.rate, base))
