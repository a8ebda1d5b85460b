"""A user's portfolio, valued exactly from the engine's in-memory state.

The money math is :func:`pulsefolio.portfolio.valuation.valuation.value_portfolio`; this module
feeds it the engine's positions, quotes and FX rates and presents the result. Conventions added
here:

* The base-currency cost is the ledger's ``cost_basis_base`` (converted at the trade-date rate)
  where it recorded one, so the unrealized gain includes the currency effect; otherwise the
  asset-currency cost converted at today's rate (the price effect alone).
* A holding without a price (or without an FX path to the base currency) is listed with
  ``price: null`` and left out of every total and allocation.
* Cash balances (per account and currency, from the ledger) count at today's rate:
  ``total_value`` is ``holdings_value + cash_value`` exactly as shown (``holdings_value`` is
  the rounded total less the rounded cash), weights are shares of that total, and the
  allocation has an asset class ``cash`` while the currency and account slices include each
  balance in its own currency and account. A balance without an FX path to the base currency is
  listed with ``amount_base: null`` and left out of the totals, like an unpriced holding.
* A price is stale when its as-of time is older than two refresh intervals.
* Amounts are rounded half-even to their currency's minor unit (``core.money.present``); weights
  and percentages are given in percent to 4 decimals. Nothing is rounded before that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.money import ZERO, present
from pulsefolio.portfolio.engine import Cash, Holding, PriceBoard, UserBook
from pulsefolio.portfolio.valuation.valuation import PortfolioValue, Position, value_portfolio

PERCENT = Decimal("0.0001")


def _plain(value: Decimal) -> str:
    """A Decimal as plain digits without trailing zeros (``1500``, not ``1.5E+3``)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _percent(fraction: Decimal | None) -> str | None:
    return None if fraction is None else str((fraction * 100).quantize(PERCENT, ROUND_HALF_EVEN))


def stale_before(now: datetime, refresh_interval: float) -> datetime:
    return now - timedelta(seconds=2 * refresh_interval)


class Valuation:
    """One user's portfolio, valued; :meth:`body` is the API answer."""

    def __init__(
        self,
        book: UserBook,
        board: PriceBoard,
        base_currency: str,
        *,
        now: datetime,
        refresh_interval: float,
        account_id: int | None = None,
    ) -> None:
        self.book = book
        self.board = board
        self.base = base_currency
        self.stale_before = stale_before(now, refresh_interval)
        self.account_id = account_id
        self.holdings = [
            h for h in book.holdings if account_id is None or h.account_id == account_id
        ]
        self.conversions: dict[str, Any] = {}
        self.cash = [c for c in book.cash if account_id is None or c.account_id == account_id]
        for c in self.cash:
            if (found := board.rate(c.currency, self.base)) is not None:
                self.conversions[c.currency] = found
        self.priced: list[Holding] = []
        for h in self.holdings:
            quote = board.quotes[h.asset]
            if quote is None:
                continue
            found = board.rate(quote.currency, self.base)
            if found is None:
                continue
            self.conversions[quote.currency] = found
            self.priced.append(h)
        self.value: PortfolioValue = value_portfolio(
            self._positions(), self._prices(), self._fx(), self.base, self._balances()
        )

    def _balances(self) -> dict[str, dict[str, Decimal]]:
        """Cash convertible to the base currency: account -> currency -> amount."""
        out: dict[str, dict[str, Decimal]] = {}
        for c in self.cash:
            if c.currency in self.conversions:
                by_currency = out.setdefault(str(c.account_id), {})
                by_currency[c.currency] = by_currency.get(c.currency, ZERO) + c.amount
        return out

    def _fx(self) -> dict[str, Decimal]:
        return {c: conv.rate for c, conv in self.conversions.items()}

    def _prices(self) -> dict[str, PriceQuote]:
        out = {}
        for h in self.priced:
            asset, q = self.board.assets[h.asset], self.board.quotes[h.asset]
            assert q is not None
            out[asset.symbol] = PriceQuote(
                asset.symbol, q.price, q.currency, q.as_of, q.as_of, q.source, q.previous_close
            )
        return out

    def _positions(self) -> list[Position]:
        out = []
        for h in self.priced:
            asset, q = self.board.assets[h.asset], self.board.quotes[h.asset]
            assert q is not None
            rate = self.conversions[q.currency].rate
            out.append(
                Position(
                    str(h.account_id),
                    asset.symbol,
                    q.currency,
                    h.quantity,
                    h.cost,
                    h.cost * rate if h.cost_base is None else h.cost_base,
                    asset.asset_class,
                )
            )
        return out

    # -- presentation --------------------------------------------------------------------

    def _row(self, h: Holding, by_key: dict[tuple[str, str], Any]) -> dict[str, Any]:
        asset, quote = self.board.assets[h.asset], self.board.quotes[h.asset]
        row: dict[str, Any] = {
            "account_id": h.account_id,
            "asset_id": asset.id,
            "symbol": asset.symbol,
            "name": asset.name,
            "asset_class": asset.asset_class,
            "currency": quote.currency if quote else asset.currency,
            "quantity": _plain(h.quantity),
            "price": None,
            "previous_close": None,
            "price_as_of": None,
            "price_source": None,
            "price_origin": None,
            "stale": None,
            "value": None,
            "value_base": None,
            "weight_percent": None,
            "day_change": None,
            "day_change_percent": None,
            "cost_basis": str(present(h.cost, asset.currency)),
            "cost_basis_base": None,
            "unrealized_gain": None,
            "unrealized_gain_percent": None,
        }
        if quote is None:
            return row
        row.update(
            price=_plain(quote.price),
            previous_close=None if quote.previous_close is None else _plain(quote.previous_close),
            price_as_of=quote.as_of.isoformat(),
            price_source=quote.source,
            price_origin=quote.origin,
            stale=quote.as_of < self.stale_before,
        )
        v = by_key.get((str(h.account_id), asset.symbol))
        if v is None:  # no FX path to the base currency
            return row
        row.update(
            value=str(present(v.value, v.currency)),
            value_base=str(present(v.value_base, self.base)),
            weight_percent=_percent(v.weight),
            day_change=str(present(v.day_change_base, self.base)),
            day_change_percent=_percent(v.day_change_pct),
            cost_basis_base=str(present(v.cost_base, self.base)),
            unrealized_gain=str(present(v.unrealized_base, self.base)),
            unrealized_gain_percent=_percent(v.unrealized_base / v.cost_base)
            if v.cost_base
            else None,
        )
        return row

    def rows(self, assets: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Holding rows, all or only those of ``assets`` (board indexes)."""
        wanted = None if assets is None else set(assets)
        by_key = {(v.account, v.symbol): v for v in self.value.holdings}
        return [self._row(h, by_key) for h in self.holdings if wanted is None or h.asset in wanted]

    def _cash_row(self, c: Cash) -> dict[str, Any]:
        conversion = self.conversions.get(c.currency)
        if conversion is None:
            amount_base, weight = None, None
        else:
            base = c.amount * conversion.rate
            amount_base = str(present(base, self.base))
            total = self.value.value_base
            weight = _percent(base / total if total else ZERO)
        return {
            "account_id": c.account_id,
            "currency": c.currency,
            "amount": str(present(c.amount, c.currency)),
            "amount_base": amount_base,
            "weight_percent": weight,
        }

    def cash_rows(self) -> list[dict[str, Any]]:
        return [self._cash_row(c) for c in self.cash]

    def as_of(self) -> str | None:
        times = [q.as_of for h in self.priced if (q := self.board.quotes[h.asset]) is not None]
        return max(times).isoformat() if times else None

    def _allocation(
        self, slices: dict[str, Any], names: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for key, part in slices.items():
            item: dict[str, Any] = {
                "key": key,
                "value": str(present(part.value_base, self.base)),
                "weight_percent": _percent(part.weight),
            }
            if names is not None:
                item["name"] = names.get(key)
            out.append(item)
        return out

    def summary(self) -> dict[str, Any]:
        """Totals only: what the live stream sends (``total_value`` includes cash)."""
        v = self.value
        total, cash = present(v.value_base, self.base), present(v.cash_base, self.base)
        return {
            "base_currency": self.base,
            "total_value": str(total),
            "holdings_value": str(total - cash),
            "cash_value": str(cash),
            "day_change": {
                "amount": str(present(v.day_change_base, self.base)),
                "percent": _percent(v.day_change_pct),
            },
            "as_of": self.as_of(),
        }

    def body(self) -> dict[str, Any]:
        v = self.value
        accounts = [
            a for a in self.book.accounts if self.account_id is None or a.id == self.account_id
        ]
        names = {str(a.id): a.name for a in accounts}
        return {
            **self.summary(),
            "account_id": self.account_id,
            "cost_basis": str(present(v.cost_base, self.base)),
            "unrealized_gain": {
                "amount": str(present(v.unrealized_base, self.base)),
                "percent": _percent(v.unrealized_base / v.cost_base if v.cost_base else None),
            },
            "holdings": self.rows(),
            "cash": self.cash_rows(),
            "prices_from": self.board.prices_from(
                self.board.quotes[h.asset] for h in self.holdings
            ),
            "allocation": {
                "asset_class": self._allocation(dict(v.by_asset_class)),
                "currency": self._allocation(dict(v.by_currency)),
                "account": self._allocation(
                    {str(a.id): v.by_account.get(str(a.id), _Empty) for a in accounts}, names
                ),
            },
            "fx": [
                {"from": c, "to": self.base, "rate": _plain(conv.rate), "via": conv.via}
                for c, conv in sorted(self.conversions.items())
            ],
        }


class _Empty:
    """An account holding nothing priced: zero value, zero weight."""

    value_base = ZERO
    weight = ZERO
