"""The income report: the dividends and interest of the caller's accounts, in the base currency.

Each payment (a DIVIDEND or INTEREST transaction) counts on its UTC trade date at its
trade-date rate, as the performance routes count it: ``gross`` is the amount before
withholding, ``withholding`` the transaction's fee, ``net = gross - withholding``. Every
payment is rounded first (half-even, to the base currency's minor unit) and every group (each
month, year and holding, the interest, the totals) sums the rounded payments, so the parts add
up to the totals as shown. ``trailing_12m_*`` are a holding's payments of the twelve months
up to today, whatever the range; ``yield_on_cost`` is their gross over the cost basis of the
holding's open lots (in the base currency at the purchases' trade-date rates, as the lots
route gives it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset
from pulsefolio.core.domain import TransactionType as T
from pulsefolio.core.errors import NotFound, ValidationFailed
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.performance.service import performance_service, rounded
from pulsefolio.portfolio.reports import schemas
from pulsefolio.portfolio.valuation import AccountLots
from pulsefolio.portfolio.valuation.lots import FEE, INCOME, CashEvent

SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class Payment:
    """One dividend or interest payment: its own amounts and, rounded, in the base currency."""

    entry_id: int
    account_id: int
    day: date
    type: T
    asset_id: int | None  # None: interest
    currency: str
    amount: Decimal
    withheld: Decimal
    fx_rate: Decimal
    gross: Decimal
    withholding: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.withholding


class _Sum:
    def __init__(self, base: str) -> None:
        self.payments = 0
        self.gross = self.withholding = rounded(Decimal(0), base)

    def add(self, p: Payment) -> None:
        self.payments += 1
        self.gross += p.gross
        self.withholding += p.withholding

    def fields(self) -> dict[str, Any]:
        net = self.gross - self.withholding
        return {"payments": self.payments, "gross": str(self.gross),
                "withholding": str(self.withholding), "net": str(net)}  # fmt: skip


class _Groups:
    """The payments summed by month, year and holding, the interest and the totals; every
    month and year of the span listed, those without payments as zero."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.totals, self.interest = _Sum(base), _Sum(base)
        self.months: dict[str, _Sum] = {}
        self.years: dict[int, _Sum] = {}
        self.held: dict[int, _Sum] = {}

    def span(self, first: date, last: date) -> None:
        self.months = {m: _Sum(self.base) for m in _months(first, last)}
        self.years = {y: _Sum(self.base) for y in range(first.year, last.year + 1)}

    def add(self, p: Payment) -> None:
        for group in (self.totals, self.months[p.day.strftime("%Y-%m")], self.years[p.day.year]):
            group.add(p)
        if p.asset_id is None:
            self.interest.add(p)
        else:
            self.held.setdefault(p.asset_id, _Sum(self.base)).add(p)


@dataclass(frozen=True)
class IncomeReport:
    summary: schemas.Income
    payments: list[Payment]
    account_names: dict[int, str]
    assets: dict[int, tuple[str, str]]  # asset id -> (symbol, name)


async def income(
    session: AsyncSession,
    user: CurrentUser,
    account_ids: Sequence[int] | None,
    start: date | None,
    end: date | None,
    *,
    capitalize: bool,
) -> IncomeReport:
    """The caller's income from ``start`` to ``end`` (both included; default: from the first
    payment to today) in the chosen accounts (default: all). NotFound for an account that is
    not theirs, ValidationFailed when ``end`` is given before ``start``."""
    names = {a.id: a.name for a in await accounts.list(session, user, include_closed=True)}
    chosen = sorted(set(account_ids or names))
    if set(chosen) - set(names):
        raise NotFound("no such account")
    scope = await performance_service.scope(session, user, None, capitalize)
    if start is not None and end is not None and end < start:
        raise ValidationFailed("to: must not be before from", {"to": "must not be before from"})
    end = end or scope.today
    base = scope.base_currency
    books = [scope.books[str(i)] for i in chosen if str(i) in scope.books]
    every = payments(books, base)
    paid = [p for p in every if (start is None or start <= p.day) and p.day <= end]
    assets = await _assets(session, {p.asset_id for p in paid if p.asset_id is not None})
    g = _Groups(base)
    if paid:
        owned = {b.account for b in books}
        opened = min(e.executed_at for e in scope.entries if e.account in owned)
        first = max(start, opened.astimezone(UTC).date()) if start else paid[0].day
        g.span(first, max(paid[-1].day, min(end, scope.today)))
    for p in paid:
        g.add(p)
    trailing, costs = _trailing(every, base, scope.today), _costs(books, base)
    zero = rounded(Decimal(0), base)
    holdings = [
        _holding(asset_id, total, trailing.get(asset_id, _Sum(base)), costs.get(asset_id, zero),
                 assets, scope.assets.get(asset_id, ("", ""))[1])
        for asset_id, total in g.held.items()
    ]  # fmt: skip
    holdings.sort(key=lambda h: (-Decimal(h.net), h.symbol))
    summary = schemas.Income(
        base_currency=base,
        start=start,
        end=end,
        account_ids=chosen,
        totals=schemas.IncomeAmounts(**g.totals.fields()),
        interest=schemas.IncomeAmounts(**g.interest.fields()),
        months=[schemas.IncomeMonth(month=m, **s.fields()) for m, s in g.months.items()],
        years=[schemas.IncomeYear(year=y, **s.fields()) for y, s in g.years.items()],
        holdings=holdings,
    )
    return IncomeReport(summary, paid, names, assets)


def payments(books: Iterable[AccountLots], base: str) -> list[Payment]:
    """Every dividend and interest payment of ``books``, oldest first."""
    gross: dict[int | str, CashEvent] = {}
    withheld: dict[int | str, CashEvent] = {}
    for book in books:
        for ev in book.events:
            if ev.type in (T.DIVIDEND, T.INTEREST) and ev.kind in (INCOME, FEE):
                (gross if ev.kind == INCOME else withheld)[ev.entry_id] = ev
    out = []
    for entry_id, ev in gross.items():
        fee = withheld.get(entry_id)
        out.append(
            Payment(
                entry_id=int(entry_id),
                account_id=int(ev.account),
                day=ev.executed_at.astimezone(UTC).date(),
                type=T.INTEREST if ev.type is T.INTEREST else T.DIVIDEND,
                asset_id=None if ev.symbol is None else int(ev.symbol),
                currency=ev.currency,
                amount=ev.amount,
                withheld=fee.amount if fee else Decimal(0),
                fx_rate=ev.fx_rate,
                gross=rounded(ev.amount_base, base),
                withholding=rounded(fee.amount_base if fee else Decimal(0), base),
            )
        )
    out.sort(key=lambda p: (p.day, p.entry_id))
    return out


def _trailing(every: Iterable[Payment], base: str, today: date) -> dict[int, _Sum]:
    """Each holding's payments of the twelve months up to ``today``."""
    since = _year_before(today)
    out: dict[int, _Sum] = {}
    for p in every:
        if p.asset_id is not None and since < p.day <= today:
            out.setdefault(p.asset_id, _Sum(base)).add(p)
    return out


def _costs(books: Iterable[AccountLots], base: str) -> dict[int, Decimal]:
    """Each holding's open lots' cost in the base currency, rounded."""
    out: dict[int, Decimal] = {}
    for book in books:
        for lot in book.open_lots:
            out[int(lot.symbol)] = out.get(int(lot.symbol), Decimal(0)) + lot.cost_base
    return {asset_id: rounded(cost, base) for asset_id, cost in out.items()}


def _holding(
    asset_id: int,
    total: _Sum,
    trailing: _Sum,
    cost: Decimal,
    names: dict[int, tuple[str, str]],
    currency: str,
) -> schemas.IncomeHolding:
    ratio = None
    if cost > 0:
        ratio = str((trailing.gross / cost).quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN))
    t12 = trailing.fields()
    symbol, name = names.get(asset_id, (str(asset_id), ""))
    return schemas.IncomeHolding(
        asset_id=asset_id,
        symbol=symbol,
        name=name,
        currency=currency,
        trailing_12m_gross=t12["gross"],
        trailing_12m_net=t12["net"],
        cost_basis=str(cost),
        yield_on_cost=ratio,
        **total.fields(),
    )


async def _assets(session: AsyncSession, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Asset.id, Asset.symbol, Asset.name).where(Asset.id.in_(ids))
    )
    return {ident: (symbol, name) for ident, symbol, name in rows}


def _months(first: date, last: date) -> list[str]:
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _year_before(day: date) -> date:
    """The same date a year earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)
