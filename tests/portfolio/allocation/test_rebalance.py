"""Property: applying the suggested trades at current prices lands every key on its target.

Random portfolios (holdings and cash balances in several currencies, under random keys, the
residual key being where trades settle) and random integer targets summing to 100. The trades
are applied as a user would: each quantity at its price and rate, the money from or to the
base-currency cash, and new money added to it. Every key's value must then be its target share
of the new total, to the rounding the plan states (half a quantity step at the price, half a
cent per amount).
"""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from pulsefolio.portfolio.allocation.rebalance import QUANTITY_PLACES, Member, Plan, plan

KEYS = ("a", "b", "c", "r")
RESIDUAL = "r"
BASE = "EUR"
HALF_STEP = D(1).scaleb(-QUANTITY_PLACES) / 2
HALF_CENT = D("0.005")


def _holding(key: str, q: int, p: int, r: int, account: int, asset: int) -> Member:
    return Member(key, account, asset, "USD", D(q) / 100, D(p) / 100, D(r) / 1000)


def _balance(key: str, cents: int, r: int, account: int) -> Member:
    return Member(key, account, None, "USD", D(cents) / 100, D(1), D(r) / 1000)


accounts, rates = st.integers(1, 3), st.integers(500, 2000)
holding = st.builds(
    _holding, st.sampled_from(KEYS), st.integers(1, 10**6), st.integers(1, 10**6), rates,
    accounts, st.integers(1, 50),
)  # fmt: skip
balance = st.builds(_balance, st.sampled_from(KEYS), st.integers(0, 10**7), rates, accounts)


@st.composite
def targets(draw: st.DrawFn) -> dict[str, D]:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(keys) - 1,
                                max_size=len(keys) - 1)))  # fmt: skip
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    return {k: D(w) / 100 for k, w in zip(keys, weights, strict=True)}


def applied(members: list[Member], result: Plan, cash: D) -> tuple[dict[str, D], D]:
    """Each key's value after the trades, and the rounding they may leave: half a step of
    each member's trade (a trade rounded to nothing is not listed) and of each key's amount."""
    after = dict.fromkeys(KEYS, D(0))
    slack = HALF_CENT * len(KEYS)
    for m in members:
        after[m.key] += m.value
        slack += (HALF_CENT if m.asset_id is None else HALF_STEP * m.price) * m.rate
    settled = cash
    for t in result.trades:
        if t.member is None:
            after[t.key] += t.amount
            settled -= t.amount
            continue
        assert t.quantity is not None and t.quantity >= -t.member.quantity
        moved = t.quantity * t.member.price * t.member.rate
        after[t.key] += moved
        settled -= moved
    after[RESIDUAL] += settled
    return after, slack


def lands_on_target(members: list[Member], goal: dict[str, D], cash: D, buy_only: bool) -> None:
    result = plan(members, goal, residual=RESIDUAL, base=BASE, cash=cash, buy_only=buy_only)
    after, slack = applied(members, result, cash)
    total = sum(after.values(), D(0))
    assert abs(total - result.after) <= D("1e-18")
    for key in KEYS:
        assert abs(after[key] - goal.get(key, D(0)) * total) <= slack + D("1e-18"), key


portfolios = st.tuples(st.lists(holding, min_size=1, max_size=8), st.lists(balance, max_size=4))


class TestPlan:
    @settings(max_examples=300, deadline=None)
    @given(portfolios, targets(), st.integers(0, 10**7))
    def test_full_rebalance_lands_on_targets(self, portfolio, goal, cents) -> None:  # type: ignore[no-untyped-def]
        holdings, balances = portfolio
        lands_on_target(holdings + balances, goal, D(cents) / 100, buy_only=False)

    @settings(max_examples=300, deadline=None)
    @given(portfolios, targets(), st.integers(0, 10**7))
    def test_buying_only_never_sells_and_spends_the_new_money(self, portfolio, goal, cents) -> None:  # type: ignore[no-untyped-def]
        holdings, balances = portfolio
        members, cash = holdings + balances, D(cents) / 100
        result = plan(members, goal, residual=RESIDUAL, base=BASE, cash=cash, buy_only=True)
        assert all(t.amount >= 0 for t in result.trades)
        after, slack = applied(members, result, cash)
        spent = sum((t.amount for t in result.trades), D(0))
        assert spent <= cash + slack + HALF_CENT * len(result.trades)
        gaps = {k: goal.get(k, D(0)) * result.after - result.values.get(k, D(0)) for k in KEYS}
        for key in KEYS:  # no key is pushed past its target
            if gaps[key] >= 0:
                assert after[key] <= goal.get(key, D(0)) * result.after + slack + D("1e-18")
        if all(g >= 0 for g in gaps.values()):  # the new money covers every gap
            lands_on_target(members, goal, cash, buy_only=True)

    @given(portfolios, targets())
    def test_new_money_that_fills_every_gap_lands_on_targets(self, portfolio, goal) -> None:  # type: ignore[no-untyped-def]
        holdings, balances = portfolio
        members = holdings + balances
        values = {k: sum((m.value for m in members if m.key == k), D(0)) for k in KEYS}
        held = [k for k in KEYS if values[k]]
        if any(not goal.get(k) for k in held):
            return  # a key held but not wanted cannot shrink without selling
        # the smallest new total at which no key is above target, and a cent more
        need = max((values[k] / goal[k] for k in held), default=D(0))
        total = sum(values.values(), D(0))
        cash = max(need - total, D(0)).quantize(D("0.01")) + D("0.01")
        lands_on_target(members, goal, cash, buy_only=True)
