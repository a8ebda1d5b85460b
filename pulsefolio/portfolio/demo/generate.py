"""Generate the demo data in memory, from a seed number alone.

Nothing here reads the clock or the database: the same seed gives the same rows, down to
the last digit, on any machine (the caller says which day is today). Every trade is dated before
:data:`ANCHOR`; each asset has daily closes (:mod:`.closes`) from before the oldest trade to
today, through its price at :data:`ANCHOR`, and every trade is priced at its day's close.
Positions and cash come from the generated transactions through the ledger's
own replay (:mod:`pulsefolio.portfolio.ledger.rules`), so they agree with a recompute.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pulsefolio.core.domain import AccountKind, AssetClass, CostMethod, Role, TransactionType
from pulsefolio.portfolio.demo.closes import Closes, as_text, closes
from pulsefolio.portfolio.demo.fx_history import Points, fx_history
from pulsefolio.portfolio.demo.universe import UniverseAsset, universe
from pulsefolio.portfolio.ledger.fx import pick
from pulsefolio.portfolio.ledger.rules import Entry, PositionState, fold_cash, fold_position

ANCHOR = datetime(2025, 1, 3, 21, 0, tzinfo=UTC)
CURRENCIES = ("USD", "EUR", "GBP", "INR")
ADMIN_EMAIL = "admin@pulsefolio.dev"
# Units of each currency per USD at ANCHOR, before the seed's small perturbation.
USD_RATES = {
    "USD": Decimal(1),
    "EUR": Decimal("0.97"),
    "GBP": Decimal("0.80"),
    "INR": Decimal("85.8"),
}
FEES = {
    "USD": ("0", "0.99", "4.95"),
    "EUR": ("0", "1.00", "4.90"),
    "GBP": ("0", "1.50", "5.95"),
    "INR": ("0", "20", "40"),
}
T = TransactionType
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class DemoUser:
    email: str
    role: Role
    base_currency: str


@dataclass(frozen=True, slots=True)
class DemoAccount:
    user: int  # index into DemoData.users
    name: str
    currency: str
    kind: AccountKind
    cost_method: CostMethod
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DemoTransaction:
    account: int  # index into DemoData.accounts
    symbol: str | None
    currency: str
    entry: Entry  # entry.id is the transaction's position in DemoData.transactions


@dataclass
class DemoData:
    assets: list[UniverseAsset]
    prices: dict[str, tuple[Decimal, Decimal]]  # symbol -> (price, previous close) at ANCHOR
    fx: dict[tuple[str, str], Decimal]  # (base, quote) -> rate
    closes: Closes
    fx_history: Points = field(default_factory=dict)  # the days before ANCHOR and up to today
    users: list[DemoUser] = field(default_factory=list)
    accounts: list[DemoAccount] = field(default_factory=list)
    transactions: list[DemoTransaction] = field(default_factory=list)
    positions: dict[tuple[int, str], PositionState] = field(default_factory=dict)
    cash: dict[tuple[int, str], Decimal] = field(default_factory=dict)


def generate(seed: int, users: int, demo_email: str, today: date | None = None) -> DemoData:
    """``users`` ordinary users (the first is the demo user) plus the admin, deterministically;
    closes up to ``today`` (default: the anchor's day)."""
    rng = random.Random(seed)
    assets = universe()
    anchors = _prices(rng, assets)
    fx = _fx(rng)
    series = closes(seed, assets, anchors, ANCHOR.date(), today or ANCHOR.date())
    at = series.index_on(ANCHOR.date())
    prices = {
        s: (Decimal(as_text(p[at])), Decimal(as_text(p[at - 1]))) for s, p in series.paths.items()
    }
    data = DemoData(assets, prices, fx, series)
    data.fx_history = fx_history(seed, ANCHOR.date(), data.fx, CURRENCIES, today)
    by_currency: dict[str, list[UniverseAsset]] = defaultdict(list)
    for asset in assets:
        by_currency[asset.currency].append(asset)
    for index in range(users):
        if index == 0:
            email, currencies = demo_email, ["USD", "GBP", "INR"]
        else:
            email = f"user{index + 1:04d}@demo.pulsefolio.dev"
            currencies = rng.sample(CURRENCIES, rng.choice((1, 1, 2, 2, 2, 3)))
        data.users.append(DemoUser(email, Role.USER, currencies[0]))
        for currency in currencies:
            _account(rng, data, len(data.users) - 1, currency, by_currency)
    data.users.append(DemoUser(ADMIN_EMAIL, Role.ADMIN, "USD"))
    _derive(data)
    return data


def _prices(rng: random.Random, assets: list[UniverseAsset]) -> dict[str, Decimal]:
    """Each asset's price at ANCHOR, where its closes pass."""
    return {asset.symbol: Decimal(str(rng.uniform(asset.low, asset.high))) for asset in assets}


def _fx(rng: random.Random) -> dict[tuple[str, str], Decimal]:
    per_usd = {
        code: rate * Decimal(str(1 + rng.uniform(-0.01, 0.01))) if code != "USD" else rate
        for code, rate in USD_RATES.items()
    }
    step = Decimal(1).scaleb(-12)
    return {
        (base, quote): (per_usd[quote] / per_usd[base]).quantize(step)
        for base in CURRENCIES
        for quote in CURRENCIES
        if base != quote
    }


def _account(
    rng: random.Random,
    data: DemoData,
    user: int,
    currency: str,
    by_currency: dict[str, list[UniverseAsset]],
) -> None:
    kind = rng.choice(
        (AccountKind.BROKERAGE, AccountKind.BROKERAGE, AccountKind.RETIREMENT, AccountKind.SAVINGS)
    )
    method = CostMethod.AVERAGE if rng.random() < 0.2 else CostMethod.FIFO
    opened = ANCHOR - timedelta(days=rng.randint(200, 1500))
    data.accounts.append(
        DemoAccount(user, f"{kind.value.title()} {currency}", currency, kind, method, opened)
    )
    account = len(data.accounts) - 1
    home = by_currency[currency]
    others = [a for a in data.assets if a.currency != currency]
    picks: dict[str, UniverseAsset] = {}
    for _ in range(rng.randint(3, 10)):
        asset = rng.choice(home) if rng.random() < 0.85 else rng.choice(others)
        picks[asset.symbol] = asset
    events: list[tuple[datetime, str | None, str, Entry]] = []
    span = (ANCHOR - opened).days - 2
    for asset in picks.values():
        events.extend(_holding(rng, data, asset, opened, span))
    outflow: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, cur, entry in events:
        if entry.type is T.BUY:
            outflow[cur] += entry.quantity * entry.price + entry.fee  # type: ignore[operator]
    for cur, amount in sorted(outflow.items()):
        deposit = (amount * Decimal(str(rng.uniform(1.0, 1.3)))).quantize(Decimal(100))
        events.append(
            (opened, None, cur, Entry(0, T.DEPOSIT, opened, amount=max(deposit, Decimal(100))))
        )
    events.sort(key=lambda event: (event[0], event[3].type is not T.DEPOSIT))
    for executed_at, symbol, cur, entry in events:
        entry = Entry(
            len(data.transactions), entry.type, executed_at, entry.quantity, entry.price,
            entry.amount, entry.fee, entry.split_numerator, entry.split_denominator,
        )  # fmt: skip
        data.transactions.append(DemoTransaction(account, symbol, cur, entry))


def _holding(
    rng: random.Random, data: DemoData, asset: UniverseAsset, opened: datetime, span: int
) -> list[tuple[datetime, str | None, str, Entry]]:
    """One asset's events in one account: one or two buys, maybe a sale, a dividend; each at
    its day's close. (No splits: the closes are one series per asset, unsplit.)"""
    fund = asset.asset_class is AssetClass.MUTUAL_FUND
    days = sorted(rng.sample(range(1, span), 4))
    moments = [opened + timedelta(days=d, minutes=rng.randint(0, 390)) for d in days]

    def close(when: datetime) -> Decimal:
        return data.closes.close_on(asset.symbol, when.astimezone(UTC).date())

    out: list[tuple[datetime, str | None, str, Entry]] = []
    state = PositionState()

    def add(when: datetime, entry: Entry) -> None:
        nonlocal state
        out.append((when, asset.symbol, asset.currency, entry))
        state = fold_position([*(e for _, _, _, e in out)])

    for when in moments[: rng.choice((1, 1, 2))]:
        trade = close(when)
        if fund:
            qty = Decimal(rng.randint(1_000, 400_000)).scaleb(-3)
        else:
            qty = Decimal(max(1, int(rng.uniform(2_000, 20_000) / float(trade))))
        fee = Decimal("0") if fund else Decimal(rng.choice(FEES[asset.currency]))
        add(when, Entry(0, T.BUY, when, quantity=qty, price=trade, fee=fee))
    if rng.random() < 0.25:
        share = Decimal(str(rng.uniform(0.2, 1.0)))
        qty = (state.quantity * share).quantize(Decimal("0.001") if fund else Decimal(1))
        if 0 < qty <= state.quantity:
            sale = moments[3]
            add(sale, Entry(0, T.SELL, sale, quantity=qty, price=close(sale), fee=Decimal(0)))
    if not fund and state.quantity > 0 and rng.random() < 0.3:
        price = close(moments[-1])
        amount = (state.quantity * price * Decimal(str(rng.uniform(0.004, 0.02)))).quantize(CENT)
        if amount > 0:
            when = moments[-1] + timedelta(hours=1)
            add(when, Entry(0, T.DIVIDEND, when, amount=amount))
    return out


def first_trades(data: DemoData) -> dict[str, date]:
    """Each traded asset's first trade day (UTC)."""
    first: dict[str, date] = {}
    for tx in data.transactions:
        if tx.symbol is not None:
            day = tx.entry.executed_at.astimezone(UTC).date()
            first[tx.symbol] = min(first.get(tx.symbol, day), day)
    return first


def _derive(data: DemoData) -> None:
    """Positions and cash of every account, by the ledger's replay in (executed_at, id) order;
    base cost at each purchase's trade-date rate from the FX history."""
    by_position: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    by_cash: dict[tuple[int, str], list[Entry]] = defaultdict(list)
    rates: dict[int, Decimal] = {}
    for tx in sorted(data.transactions, key=lambda t: (t.entry.executed_at, t.entry.id)):
        if tx.symbol is not None:
            by_position[(tx.account, tx.symbol)].append(tx.entry)
        by_cash[(tx.account, tx.currency)].append(tx.entry)
        base = data.users[data.accounts[tx.account].user].base_currency
        if tx.entry.type is T.BUY:
            found = (
                Decimal(1)
                if tx.currency == base
                else pick(
                    data.fx_history[(tx.currency, base)],
                    tx.entry.executed_at.astimezone(UTC).date(),
                    ANCHOR.date(),
                )
            )
            if found is not None:
                rates[tx.entry.id] = found
    data.positions = {
        key: fold_position(entries, data.accounts[key[0]].cost_method, rates).stored()
        for key, entries in by_position.items()
    }
    data.cash = {key: fold_cash(entries) for key, entries in by_cash.items()}
