"""Value history, returns, open lots and realized gains of the caller's portfolio or account.

Conventions (see ``docs/money.md``):

* A range ``(start, end]`` starts from the value at the close of ``start``
  (:func:`~pulsefolio.portfolio.valuation.resolve_range`); history points run from ``start``
  to ``end`` inclusive, and a point's ``net_inflow`` sums the days since the previous point.
* **TWR** chain-links daily returns with external flows at the *start* of the day:
  ``r_t = V_t / (V_{t-1} + F_t) - 1``, ``TWR = prod(1 + r_t) - 1``. Flows are deposits,
  withdrawals and implicit deposits (purchases funded beyond the cash held) for an account or
  the portfolio. For one holding, money put in (buys) counts at the start of the day and money
  taken out (sales, dividends) at its end: ``r_t = (V_t + O_t) / (V_{t-1} + I_t) - 1``.
* **XIRR** is the money-weighted return of ``-V_start``, the daily ``-F_t`` and ``+V_end``;
  ``null`` with ``xirr_note`` saying why when no rate solves it.
* **Gain** ``gain_net = V_end - V_start - sum(F)``, split into realized (sales in the range,
  before their fees, at trade-date rates: ``realized_gain_gross``), income, expensed fees and
  unrealized (the rest), and again into ``currency_effect`` (:mod:`.series`) and
  ``price_effect`` (the rest). ``fees`` lists every fee paid in the range by category;
  ``gain_gross`` is ``gain_net`` plus all of them.
* **total_return** is ``total / (V_start + inflows in the range)``, counting only inflows
  that add money; ``null`` when nothing was invested.

Returns are decimal fractions with six places; amounts are rounded half-even to their
currency's minor unit (``core.money.present``): the base currency's, or the asset's for the
asset-currency columns (``value_asset``, a lot's ``cost``, ``value`` and ``unrealized_gain``, a
sale's ``proceeds``, ``cost``, ``fees`` and gains). In the realized report each row's
amounts are rounded first, its ``gain_gross`` is the rounded proceeds less the rounded cost,
``gain_net`` that less the rounded fees, and the totals add up the rounded rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.errors import NotFound
from pulsefolio.core.money import present
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.performance import repository, schemas
from pulsefolio.portfolio.performance.build import Scope, load_scope
from pulsefolio.portfolio.performance.series import View, daily_rate, sample_rows, view
from pulsefolio.portfolio.positions.schemas import Fees
from pulsefolio.portfolio.users.service import users
from pulsefolio.portfolio.valuation import ClosedLot, DateRange, performance, resolve_range
from pulsefolio.portfolio.valuation.lots import FEE_CATEGORIES


def rounded(value: float | Decimal, currency: str) -> Decimal:
    """``value`` at ``currency``'s minor unit, half-even (``-0`` shown as ``0``)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return present(number, currency) + 0


def money(value: float | Decimal, currency: str) -> str:
    return str(rounded(value, currency))


def fraction(value: float | None) -> str | None:
    return None if value is None or not np.isfinite(value) else f"{value:.6f}"


def plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class PerformanceService:
    async def scope(
        self,
        session: AsyncSession,
        user: CurrentUser,
        account_id: int | None,
        capitalize: bool = True,
    ) -> Scope:
        """The caller's whole portfolio, or one of their accounts (NotFound otherwise)."""
        base = (await users.get(session, user)).base_currency
        if account_id is None:
            ids = list(await repository.accounts_of(session, user.id))
        else:
            ids = [(await accounts.get(session, user, account_id)).id]
        return await load_scope(session, user.id, base, ids, capitalize)

    async def prepare(
        self, session: AsyncSession, user: CurrentUser, sel: schemas.Selection
    ) -> tuple[Scope, DateRange, np.ndarray, View | None]:
        """The scope, the resolved range, the history's dates and the selected series."""
        account_id, asset_id, p = sel.account_id, sel.asset_id, sel.range
        scope = await self.scope(session, user, account_id, sel.capitalize)
        history = scope.history
        dates = history.dates if history else np.array([], dtype="datetime64[D]")
        first = dates[0].item() if len(dates) else scope.today
        rng = resolve_range(p.name, scope.today, first, p.start, p.end)
        if history is None:
            return scope, rng, dates, None
        account = None if account_id is None else str(account_id)
        found = view(history, scope.fx, account, None if asset_id is None else str(asset_id))
        if found is None and asset_id is not None:
            raise NotFound("no such holding in this account")
        return scope, rng, dates, found

    async def history(
        self,
        session: AsyncSession,
        user: CurrentUser,
        sel: schemas.Selection,
        interval: schemas.Interval,
    ) -> schemas.History:
        scope, rng, dates, series = await self.prepare(session, user, sel)
        base = scope.base_currency
        points: list[schemas.Point] = []
        if series is not None and len(dates):
            first = max((rng.start - dates[0].item()).days, 0)
            last = min((rng.end - dates[0].item()).days, len(dates) - 1)
            rows = sample_rows(dates, first, last, interval.value)
            cumulative = np.cumsum(series.inflows)
            previous = first - 1
            for row in rows.tolist():
                flow = cumulative[row] - (cumulative[previous] if previous >= 0 else 0.0)
                points.append(
                    schemas.Point(
                        date=dates[row].item(),
                        value=money(series.values[row], base),
                        net_inflow=money(flow, base),
                        carried_forward=bool(series.carried[row]),
                        value_asset=None
                        if series.value_asset is None
                        else money(series.value_asset[row], series.currency),
                    )
                )
                previous = row
        return schemas.History(
            base_currency=scope.base_currency,
            range=rng.name,
            interval=interval,
            start=rng.start,
            end=rng.end,
            points=points,
        )

    async def performance(
        self, session: AsyncSession, user: CurrentUser, sel: schemas.Selection
    ) -> schemas.Performance:
        scope, rng, dates, series = await self.prepare(session, user, sel)
        account_id, asset_id = sel.account_id, sel.asset_id
        base = scope.base_currency
        if series is None:
            zero = money(0, base)
            fields: dict[str, str | Fees] = dict.fromkeys(schemas.Gain.model_fields, zero)
            fields["fees"] = fees_out(dict.fromkeys(FEE_CATEGORIES, Decimal(0)), base)
            gain = schemas.Gain(**fields)
            return schemas.Performance(
                range=rng.name, start=rng.start, end=rng.end, base_currency=scope.base_currency,
                twr=None, xirr=None, xirr_note="no transactions", gain=gain, total_return=None,
            )  # fmt: skip
        books = list(scope.books.values())
        if account_id is not None:
            books = [scope.books[str(account_id)]]
        symbol = None if asset_id is None else str(asset_id)
        result = performance(
            dates, series.values, series.inflows, books, rng, symbol, series.outflows, base
        )
        s = max((rng.start - dates[0].item()).days, -1)
        e = min((rng.end - dates[0].item()).days, len(dates) - 1)
        currency_effect = float(series.currency_effect[s + 1 : e + 1].sum()) if e > s else 0.0
        g = result.gains
        put_in = _money_put_in(series, s, e)
        invested = g.start_value + put_in
        note = None
        if result.money_weighted is None:
            note = (
                "the range holds no value and no flows"
                if g.start_value == 0 and g.end_value == 0 and put_in == 0
                else "no rate solves the flows (they do not change sign, or no rate in "
                "(-100%, 10^6%) makes their present value zero)"
            )
        total = rounded(g.end_value, base) - rounded(g.start_value, base)
        total -= rounded(g.net_inflow, base)
        realized, income, fees = (rounded(x, base) for x in (g.realized, g.income, g.fees))
        effect = rounded(currency_effect, base)
        paid = fees_out(g.paid, base)
        return schemas.Performance(
            range=rng.name,
            start=rng.start,
            end=rng.end,
            base_currency=scope.base_currency,
            twr=fraction(result.time_weighted),
            xirr=fraction(result.money_weighted),
            xirr_note=note,
            gain=schemas.Gain(
                realized_gain_gross=str(realized),
                realized_gain_net=money(g.realized_net, base),
                unrealized=str(total - realized - income + fees),
                income=str(income),
                fees=paid,
                expensed_fees=str(fees),
                gain_gross=str(total + Decimal(paid.total)),
                gain_net=str(total),
                price_effect=str(total - effect),
                currency_effect=str(effect),
            ),
            total_return=fraction(g.absolute / invested) if invested > 1e-9 else None,
        )

    async def lots(
        self, session: AsyncSession, user: CurrentUser, account_id: int, capitalize: bool = True
    ) -> schemas.Lots:
        """Open lots of the caller's account, valued at the latest (or carried) price."""
        scope = await self.scope(session, user, account_id, capitalize)
        book = scope.books.get(str(account_id))
        out: list[schemas.OpenLot] = []
        history = scope.history
        for lot in book.open_lots if book else ():
            asset_id = int(lot.symbol)
            price = Decimal(0)
            if history is not None:
                column = history.holdings.index((lot.account, lot.symbol))
                price = Decimal(repr(float(np.nan_to_num(history.price[-1, column]))))
            fx_now = Decimal(repr(float(_last_rate(scope, lot.currency))))
            value = lot.quantity * price
            out.append(
                schemas.OpenLot(
                    lot_id=int(lot.id),
                    asset_id=asset_id,
                    symbol=scope.assets.get(asset_id, (lot.symbol, ""))[0],
                    currency=lot.currency,
                    opened=lot.opened_at.date(),
                    holding_period_days=lot.holding_days(scope.today),
                    quantity=plain(lot.quantity),
                    cost_per_unit=plain(lot.unit_cost.quantize(Decimal("0.000001"))),
                    cost=money(lot.cost, lot.currency),
                    cost_base=money(lot.cost_base, scope.base_currency),
                    price=plain(price.quantize(Decimal("0.000001"))),
                    value=money(value, lot.currency),
                    unrealized_gain=money(value - lot.cost, lot.currency),
                    unrealized_gain_base=money(value * fx_now - lot.cost_base, scope.base_currency),
                )
            )
        return schemas.Lots(
            account_id=account_id, base_currency=scope.base_currency, as_of=scope.today, lots=out
        )

    async def realized(
        self,
        session: AsyncSession,
        user: CurrentUser,
        account_id: int,
        year: int | None,
        capitalize: bool = True,
    ) -> schemas.Realized:
        """Every lot portion sold in ``year`` (default: this year), gains gross and net."""
        scope = await self.scope(session, user, account_id, capitalize)
        year = year or datetime.now(UTC).year
        book = scope.books.get(str(account_id))
        base = scope.base_currency
        sales: list[schemas.Sale] = []
        totals = [rounded(Decimal(0), base)] * 5
        for c in book.closed_lots if book else ():
            if c.closed_at.astimezone(UTC).year != year:
                continue
            local = sale_amounts(c.proceeds, c.cost, c.fees, c.currency)
            in_base = sale_amounts(c.proceeds_base, c.cost_base, c.fees_base, base)
            totals = [t + a for t, a in zip(totals, in_base, strict=True)]
            sales.append(_sale(scope, c, local, in_base))
        return schemas.Realized(
            account_id=account_id,
            year=year,
            base_currency=base,
            sales=sales,
            totals=schemas.RealizedTotals(
                sales=len(sales),
                proceeds_base=str(totals[0]),
                cost_base=str(totals[1]),
                fees_base=str(totals[2]),
                gain_gross_base=str(totals[3]),
                gain_net_base=str(totals[4]),
            ),
        )


Amounts = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]


def sale_amounts(proceeds: Decimal, cost: Decimal, fees: Decimal, currency: str) -> Amounts:
    """Proceeds, cost and fees rounded, and the gross and net gains they leave: the row adds
    up as shown."""
    p, c, f = (rounded(x, currency) for x in (proceeds, cost, fees))
    return p, c, f, p - c, p - c - f


def fees_out(paid: Mapping[str, Decimal], currency: str) -> Fees:
    """Fees paid by category, each rounded, and the total of the rounded parts."""
    parts = {k: rounded(paid.get(k, Decimal(0)), currency) for k in FEE_CATEGORIES}
    return Fees(**{k: str(v) for k, v in parts.items()}, total=str(sum(parts.values())))


def _sale(scope: Scope, c: ClosedLot, local: Amounts, in_base: Amounts) -> schemas.Sale:
    asset_id = int(c.symbol)
    return schemas.Sale(
        sale_id=int(c.sale_id),
        lot_id=int(c.lot_id),
        date=c.closed_at.date(),
        opened=c.opened_at.date(),
        asset_id=asset_id,
        symbol=scope.assets.get(asset_id, (c.symbol, ""))[0],
        currency=c.currency,
        quantity=plain(c.quantity),
        proceeds=str(local[0]),
        cost=str(local[1]),
        fees=str(local[2]),
        gain_gross=str(local[3]),
        gain_net=str(local[4]),
        holding_period_days=c.holding_days,
        proceeds_base=str(in_base[0]),
        cost_base=str(in_base[1]),
        fees_base=str(in_base[2]),
        gain_gross_base=str(in_base[3]),
        gain_net_base=str(in_base[4]),
    )


def _money_put_in(series: View, s: int, e: int) -> float:
    """Money put into the scope over rows ``(s, e]``: the total return's denominator part.

    Each day's flow in, gross of what was taken out that day (a holding's sales, its
    ``outflows``; a portfolio or account has none): a same-day round trip in one holding
    divides by what was bought, as the account holding it does.
    """
    if e <= s:
        return 0.0
    put_in = series.inflows[s + 1 : e + 1] + series.outflows[s + 1 : e + 1]
    return float(put_in.clip(min=0).sum())


def _last_rate(scope: Scope, currency: str) -> float:
    today = np.array([np.datetime64(scope.today, "D")])
    return float(daily_rate(scope.fx, currency, scope.base_currency, today)[0])


performance_service = PerformanceService()
