"""Properties over random valid ledgers: identities, invariance, incremental = from scratch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulsefolio.core.domain import CostMethod, PriceQuote
from pulsefolio.portfolio.valuation.history import Series, build_history
from pulsefolio.portfolio.valuation.ledger import LedgerEntry
from pulsefolio.portfolio.valuation.lots import (
    DEPOSIT,
    FEE,
    IMPLICIT_DEPOSIT,
    INCOME,
    WITHDRAWAL,
    LotBook,
    replay,
)
from pulsefolio.portfolio.valuation.matrix import check_fast_path
from pulsefolio.portfolio.valuation.returns import time_weighted_return
from pulsefolio.portfolio.valuation.valuation import positions_from_lots, value_portfolio

from .factory import DAY0, T, entry

SYMBOLS = {"AAA": "USD", "BBB": "EUR", "CCC": "USD"}
FX_NOW = {"USD": Decimal("0.88"), "EUR": Decimal("0.97")}
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cents = st.integers(1, 50000).map(lambda c: Decimal(c) / 100)


@st.composite
def ledgers(draw: st.DrawFn) -> list[LedgerEntry]:
    """A valid ledger: sales never exceed holdings, dividends and splits only on held assets."""
    held: dict[str, Decimal] = {}
    out: list[LedgerEntry] = []
    day = 0
    for k in range(draw(st.integers(1, 25))):
        day += draw(st.integers(0, 4))
        kind = draw(st.sampled_from(["buy", "buy", "sell", "div", "split", "dep", "wd", "fee"]))
        sym = draw(st.sampled_from(sorted(SYMBOLS)))
        cur = SYMBOLS[sym]
        fx = Decimal(draw(st.integers(80, 120))) / 100
        fee = draw(st.sampled_from([Decimal(0), Decimal("1.25")]))
        have = held.get(sym, Decimal(0))
        if kind == "sell" and have > 0:
            q = min(have, Decimal(draw(st.integers(1, 30))))
            held[sym] = have - q
            out.append(entry(k, T.SELL, day, sym, q, draw(cents), fee, cur, fx=fx))
        elif kind == "div" and sym in held:
            out.append(entry(k, T.DIVIDEND, day, sym, 1, draw(cents), fee, cur, fx=fx))
        elif kind == "split" and sym in held:
            ratio = draw(st.sampled_from([(2, 1), (1, 2), (3, 1), (1, 10)]))
            held[sym] = have * ratio[0] / ratio[1]
            out.append(entry(k, T.SPLIT, day, sym, split=ratio, currency=cur, fx=fx))
        elif kind in ("dep", "wd"):
            t = T.DEPOSIT if kind == "dep" else T.WITHDRAWAL
            out.append(entry(k, t, day, None, 1, draw(cents), 0, cur, fx=fx))
        elif kind == "fee":
            out.append(entry(k, T.FEE, day, None, fee=draw(cents), currency=cur, fx=fx))
        else:
            q = Decimal(draw(st.integers(1, 30)))
            held[sym] = have + q
            out.append(entry(k, T.BUY, day, sym, q, draw(cents), fee, cur, fx=fx))
    return out


def quotes(prices: dict[str, Decimal]) -> dict[str, PriceQuote]:
    return {s: PriceQuote(s, p, SYMBOLS[s], DAY0, DAY0, "test") for s, p in prices.items()}


prices_now = st.fixed_dictionaries({s: cents for s in SYMBOLS})
methods = st.sampled_from([CostMethod.FIFO, CostMethod.AVERAGE])
TINY = Decimal("1e-15")


class TestIdentities:
    @PROFILE
    @given(ledgers(), prices_now, methods)
    def test_value_is_cost_plus_unrealized(self, ledger, prices, method) -> None:  # type: ignore[no-untyped-def]
        book = replay(ledger, method)
        result = value_portfolio(positions_from_lots(book.open_lots), quotes(prices), FX_NOW, "CHF")
        assert abs(result.value_base - (result.cost_base + result.unrealized_base)) < TINY
        for row in result.holdings:
            assert abs(row.value - (row.cost + row.unrealized)) < TINY
            assert abs(row.price_effect + row.currency_effect - row.unrealized_base) < TINY

    @PROFILE
    @given(ledgers(), prices_now, methods)
    def test_lifetime_identity_per_currency(self, ledger, prices, method) -> None:  # type: ignore[no-untyped-def]
        # realized + unrealized + income - fees
        #     == holdings value + cash + withdrawals - deposits - implicit deposits
        book = replay(ledger, method)
        for cur in ("USD", "EUR"):
            lots = [lot for lot in book.open_lots if lot.currency == cur]
            value = sum((lot.quantity * prices[lot.symbol] for lot in lots), Decimal(0))
            unrealized = value - book.open_cost(cur)
            left = book.realized(cur) + unrealized + book.total(INCOME, cur) - book.total(FEE, cur)
            right = (
                value
                + book.cash.get(cur, Decimal(0))
                + book.total(WITHDRAWAL, cur)
                - book.total(DEPOSIT, cur)
                - book.total(IMPLICIT_DEPOSIT, cur)
            )
            assert abs(left - right) < Decimal("1e-12")
            assert book.cash.get(cur, Decimal(0)) >= 0


class TestRecompute:
    @PROFILE
    @given(ledgers(), methods)
    def test_incremental_equals_from_scratch(self, ledger, method) -> None:  # type: ignore[no-untyped-def]
        book = LotBook("", method)
        for i, item in enumerate(ledger):
            book.apply(item)
            assert book.snapshot() == replay(ledger[: i + 1], method)

    @PROFILE
    @given(ledgers(), methods)
    def test_same_input_same_lots(self, ledger, method) -> None:  # type: ignore[no-untyped-def]
        assert replay(list(reversed(ledger)), method) == replay(ledger, method)


class TestFastPath:
    @PROFILE
    @given(st.lists(ledgers(), min_size=1, max_size=4), prices_now)
    def test_fast_equals_exact(self, books, prices) -> None:  # type: ignore[no-untyped-def]
        positions = {
            f"p{i}": positions_from_lots(replay(ledger).open_lots) for i, ledger in enumerate(books)
        }
        assert check_fast_path(positions, quotes(prices), FX_NOW, "CHF").ok


def _series(seed: int, n_days: int) -> tuple[dict[str, Series], dict[str, Series]]:
    gen = np.random.default_rng(seed)
    days = np.arange(np.datetime64(DAY0.date()), np.datetime64(DAY0.date()) + n_days)
    keep = gen.random(n_days) < 0.6  # gaps: carried forward
    prices = {
        s: Series(days[keep], np.round(gen.uniform(5, 500, n_days)[keep], 2)) for s in SYMBOLS
    }
    fx = {c: Series(days[keep], np.round(gen.uniform(0.8, 1.2, n_days)[keep], 4)) for c in FX_NOW}
    return prices, fx


def _scaled(ledger: list[LedgerEntry], c: Decimal) -> list[LedgerEntry]:
    out = []
    for e in ledger:
        fields = {name: getattr(e, name) for name in e.__slots__}  # type: ignore[attr-defined]
        fields["quantity"] = e.quantity * c
        fields["fee"] = e.fee * c
        out.append(LedgerEntry(**fields))
    return out


class TestHistory:
    @PROFILE
    @given(ledgers(), st.integers(0, 1000), st.sampled_from([Decimal(3), Decimal("0.25")]))
    def test_twr_unchanged_when_scaled(self, ledger, seed, c) -> None:  # type: ignore[no-untyped-def]
        prices, fx = _series(seed, 120)
        end = DAY0.date() + timedelta(days=119)
        one = build_history(ledger, prices, fx, "CHF", end=end)
        many = build_history(_scaled(ledger, c), prices, fx, "CHF", end=end)
        (v1, f1), (v2, f2) = one.portfolio(), many.portfolio()
        np.testing.assert_allclose(v2, v1 * float(c), rtol=1e-9, atol=1e-6)
        r1 = time_weighted_return(v1, f1, -1, len(v1) - 1)
        r2 = time_weighted_return(v2, f2, -1, len(v2) - 1)
        assert r2 == pytest.approx(r1, rel=1e-7, abs=1e-9)

    @PROFILE
    @given(ledgers(), st.integers(0, 1000))
    def test_last_day_matches_exact_valuation(self, ledger, seed) -> None:  # type: ignore[no-untyped-def]
        prices, fx = _series(seed, 120)
        end = DAY0.date() + timedelta(days=119)
        history = build_history(ledger, prices, fx, "CHF", end=end)
        book = replay(ledger)
        last = {s: Decimal(str(p.values[-1])) for s, p in prices.items()}
        rates = {c: Decimal(str(s.values[-1])) for c, s in fx.items()}
        exact = value_portfolio(
            positions_from_lots(book.open_lots),
            quotes(last),
            rates,
            "CHF",
            cash={"": dict(book.cash)},
        )
        values, _ = history.portfolio()
        assert values[-1] == pytest.approx(float(exact.value_base), rel=1e-9, abs=1e-6)
