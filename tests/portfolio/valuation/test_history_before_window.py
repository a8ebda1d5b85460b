"""Prices and FX rates stored before the history's first day carry into it."""

from __future__ import annotations

from datetime import date

from pulsefolio.portfolio.valuation.history import Series, build_history

from .factory import T, entry

FRI, SAT, SUN, MON, TUE = (date(2024, 1, d) for d in (5, 6, 7, 8, 9))


def test_purchase_on_a_saturday_takes_fridays_price() -> None:
    # BUY 10 @ 100 on Saturday 2024-01-06 (day 5 of the factory); closes Fri 99, Mon 101,
    # Tue 102. Sat and Sun carry Friday's 99: 10 * 99 = 990; Mon 10 * 101 = 1010;
    # Tue 10 * 102 = 1020.
    prices = {"ACME": Series.of([(FRI, 99), (MON, 101), (TUE, 102)])}
    history = build_history([entry(1, T.BUY, 5, "ACME", 10, 100)], prices, {}, "USD", end=TUE)
    assert history.dates[0].item() == SAT
    assert history.value_base[:, 0].tolist() == [990.0, 990.0, 1010.0, 1020.0]
    assert history.carried[:, 0].tolist() == [True, True, False, False]


def test_deposit_on_a_saturday_takes_fridays_rate() -> None:
    # base CHF; USD rates Fri 0.85, Mon 0.95; DEPOSIT 1000 USD on Saturday at the trade-date
    # rate 0.85 (an inflow of 850). Sat and Sun: 1000 * 0.85 = 850; Mon 1000 * 0.95 = 950.
    fx = {"USD": Series.of([(FRI, "0.85"), (MON, "0.95")])}
    deposit = entry(1, T.DEPOSIT, 5, None, 1, 1000, currency="USD", fx="0.85")
    history = build_history([deposit], {}, fx, "CHF", end=MON)
    values, inflows = history.portfolio()
    assert values.tolist() == [850.0, 850.0, 950.0]
    assert inflows.tolist() == [850.0, 0.0, 0.0]


def test_a_stored_value_on_the_first_day_wins_over_an_earlier_one() -> None:
    # BUY 10 @ 100 on Saturday with closes Fri 99 and Sat 98: Saturday is 10 * 98 = 980
    prices = {"ACME": Series.of([(FRI, 99), (SAT, 98)])}
    history = build_history([entry(1, T.BUY, 5, "ACME", 10, 100)], prices, {}, "USD", end=SUN)
    assert history.value_base[:, 0].tolist() == [980.0, 980.0]
    assert history.carried[:, 0].tolist() == [False, True]
