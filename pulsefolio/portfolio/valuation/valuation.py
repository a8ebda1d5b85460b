"""What a portfolio is worth now: exact Decimal valuation of positions at given prices.

Conventions
-----------
* ``fx`` maps a currency to units of the base currency per unit of it; the base currency
  is 1 whether given or not. ``cost_base`` comes from the lots (trade-date rates).
* Day change is ``(price - previous_close) * quantity``, converted at today's rate; a quote
  without a previous close has no day change (zero, percent ``None``). The portfolio's
  percent is its day change over the value less it, ``None`` when no holding has a previous
  close (a holding without one counts as unchanged beside others that have one).
* Unrealized gain is ``value - cost`` (purchase fees are inside cost), and in base currency
  splits into price and currency effects (:mod:`.currency`).
* Weights are shares of the total base value, unrounded; cash counts as an asset class
  ``cash`` when given. Nothing is rounded here; round with ``core.money.present`` when shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pulsefolio.core.domain import AssetClass, PriceQuote
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import ZERO

from .currency import split_gain
from .lots import Lot


@dataclass(frozen=True, slots=True)
class Position:
    """A holding of one symbol in one account: open quantity and its cost."""

    account: str
    symbol: str
    currency: str
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal
    asset_class: str = AssetClass.STOCK


@dataclass(frozen=True, slots=True)
class HoldingValue:
    """One row of a valuation; ``*_base`` figures are in the base currency."""

    account: str
    symbol: str
    asset_class: str
    currency: str
    quantity: Decimal
    price: Decimal
    previous_close: Decimal | None
    as_of: datetime
    source: str
    value: Decimal
    value_base: Decimal
    weight: Decimal
    day_change: Decimal
    day_change_base: Decimal
    day_change_pct: Decimal | None
    cost: Decimal
    cost_base: Decimal
    unrealized: Decimal
    unrealized_base: Decimal
    price_effect: Decimal
    currency_effect: Decimal


@dataclass(frozen=True, slots=True)
class Allocation:
    value_base: Decimal
    weight: Decimal


@dataclass(frozen=True)
class PortfolioValue:
    """Totals, rows and allocations of one valuation."""

    base_currency: str
    holdings: tuple[HoldingValue, ...]
    cash_base: Decimal
    value_base: Decimal
    day_change_base: Decimal
    day_change_pct: Decimal | None
    cost_base: Decimal
    unrealized_base: Decimal
    price_effect: Decimal
    currency_effect: Decimal
    by_asset_class: Mapping[str, Allocation]
    by_currency: Mapping[str, Allocation]
    by_account: Mapping[str, Allocation]


def positions_from_lots(
    lots: Iterable[Lot], asset_classes: Mapping[str, str] | None = None
) -> list[Position]:
    """Open lots summed per (account, symbol), sorted; asset class ``stock`` unless given."""
    acc: dict[tuple[str, str], list[Lot]] = {}
    for lot in lots:
        acc.setdefault((lot.account, lot.symbol), []).append(lot)
    classes = asset_classes or {}
    return [
        Position(
            account,
            symbol,
            group[0].currency,
            sum((lot.quantity for lot in group), ZERO),
            sum((lot.cost for lot in group), ZERO),
            sum((lot.cost_base for lot in group), ZERO),
            classes.get(symbol, AssetClass.STOCK),
        )
        for (account, symbol), group in sorted(acc.items())
    ]


def rate(fx: Mapping[str, Decimal], currency: str, base_currency: str) -> Decimal:
    """Base units per unit of ``currency``; raise :class:`ValidationFailed` when missing."""
    if currency == base_currency:
        return Decimal(1)
    try:
        return fx[currency]
    except KeyError:
        raise ValidationFailed(
            f"no FX rate from {currency} to {base_currency}", {"fx": f"missing {currency}"}
        ) from None


def value_portfolio(
    positions: Iterable[Position],
    prices: Mapping[str, PriceQuote],
    fx: Mapping[str, Decimal],
    base_currency: str,
    cash: Mapping[str, Mapping[str, Decimal]] | None = None,
) -> PortfolioValue:
    """Value ``positions`` at ``prices``; ``cash`` is account -> currency -> amount.

    Raises :class:`ValidationFailed` (field ``prices``, ``currency`` or ``fx``) when a
    price or rate is missing or a quote's currency is not the position's.
    """
    priced = [
        (p, _quote(p, prices), rate(fx, p.currency, base_currency)) for p in positions if p.quantity
    ]
    cash_rows = [
        (account, currency, amount * rate(fx, currency, base_currency))
        for account, by_currency in sorted((cash or {}).items())
        for currency, amount in sorted(by_currency.items())
    ]
    cash_base = sum((c[2] for c in cash_rows), ZERO)
    total = sum((p.quantity * q.price * fx_now for p, q, fx_now in priced), ZERO) + cash_base
    rows = [_row(p, q, fx_now, total) for p, q, fx_now in priced]
    day = sum((r.day_change_base for r in rows), ZERO)
    previous = total - day
    slices: list[tuple[str, str, str, Decimal]] = [
        (r.asset_class, r.currency, r.account, r.value_base) for r in rows
    ]
    slices += [(AssetClass.CASH, currency, account, v) for account, currency, v in cash_rows]
    return PortfolioValue(
        base_currency=base_currency,
        holdings=tuple(rows),
        cash_base=cash_base,
        value_base=total,
        day_change_base=day,
        day_change_pct=day / previous if previous and _any_previous_close(rows) else None,
        cost_base=sum((r.cost_base for r in rows), ZERO),
        unrealized_base=sum((r.unrealized_base for r in rows), ZERO),
        price_effect=sum((r.price_effect for r in rows), ZERO),
        currency_effect=sum((r.currency_effect for r in rows), ZERO),
        by_asset_class=_allocate(((s[0], s[3]) for s in slices), total),
        by_currency=_allocate(((s[1], s[3]) for s in slices), total),
        by_account=_allocate(((s[2], s[3]) for s in slices), total),
    )


def _any_previous_close(rows: Iterable[HoldingValue]) -> bool:
    """Whether any holding has a previous close: without one there is no day to compare."""
    return any(r.previous_close is not None for r in rows)


def _quote(p: Position, prices: Mapping[str, PriceQuote]) -> PriceQuote:
    """The position's price; raise :class:`ValidationFailed` when missing or in another currency."""
    quote = prices.get(p.symbol)
    if quote is None:
        raise ValidationFailed(f"no price for {p.symbol}", {"prices": f"missing {p.symbol}"})
    if quote.currency != p.currency:
        raise ValidationFailed(
            f"{p.symbol} is quoted in {quote.currency} but held in {p.currency}",
            {"currency": f"{quote.currency} is not {p.currency}"},
        )
    return quote


def _row(p: Position, quote: PriceQuote, fx_now: Decimal, total: Decimal) -> HoldingValue:
    value = p.quantity * quote.price
    prev = quote.previous_close
    day = (quote.price - prev) * p.quantity if prev is not None else ZERO
    effects = split_gain(p.quantity, p.cost, p.cost_base, quote.price, fx_now)
    return HoldingValue(
        account=p.account,
        symbol=p.symbol,
        asset_class=p.asset_class,
        currency=p.currency,
        quantity=p.quantity,
        price=quote.price,
        previous_close=prev,
        as_of=quote.as_of,
        source=quote.source,
        value=value,
        value_base=value * fx_now,
        weight=value * fx_now / total if total else ZERO,
        day_change=day,
        day_change_base=day * fx_now,
        day_change_pct=(quote.price / prev - 1) if prev else None,
        cost=p.cost,
        cost_base=p.cost_base,
        unrealized=value - p.cost,
        unrealized_base=value * fx_now - p.cost_base,
        price_effect=effects.price,
        currency_effect=effects.currency,
    )


def _allocate(items: Iterable[tuple[str, Decimal]], total: Decimal) -> dict[str, Allocation]:
    sums: dict[str, Decimal] = {}
    for key, value in items:
        sums[str(key)] = sums.get(str(key), ZERO) + value
    return {k: Allocation(v, v / total if total else ZERO) for k, v in sorted(sums.items())}
