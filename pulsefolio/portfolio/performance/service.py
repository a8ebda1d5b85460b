"""Value history, returns, open lots and realized gains of the caller's portfolio or account.

Conventions (see ``docs/money.md``):

* A range ``(start, end]`` starts from the value at the close of ``start``
  (:func:`~pulsefolio.portfolio.valuation.resolve_range`); history points run from ``start``
  to ``end`` inclusive, and a point's ``net_inflow`` sums the days since the previous point.
* **TWR** chain-links daily returns with external flows at the *start* of the day:
  ``r_t = V_t / (V_{t-1} + F_t) - 1``, ``TWR = prod(1 + r_t) - 1``. Flows are deposits,
  withdrawals and implicit deposits (purchases funded beyond the cash held) for an account or
  the portfolio; for one holding, the money put into it (buys, less sales and dividends).
* **XIRR** is the money-weighted return of ``-V_start``, the daily ``-F_t`` and ``+V_end``;
  ``null`` with ``xirr_note`` saying why when no rate solves it.
* **Gain** ``total = V_end - V_start - sum(F)``, split into realized (sales in the range, before
  their fees, at trade-date rates), income, fees and unrealized (the rest), and again into
  ``currency_effect`` (:mod:`.series`) and ``price_effect`` (the rest).
* **total_return** is ``total / (V_start + inflows in the range)``, counting only inflows
  that add money; ``null`` when nothing was invested.

Returns are decimal fractions with six places; amounts are base currency with two places,
rounded half-even.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.errors import NotFound
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.performance import repository, schemas
from pulsefolio.portfolio.performance.build import Scope, load_scope
from pulsefolio.portfolio.performance.series import View, daily_rate, sample_rows, view
from pulsefolio.portfolio.users.service import users
from pulsefolio.portfolio.valuation import DateRange, performance, resolve_range

CENT = Decimal("0.01")


def money(value: float | Decimal) -> str:
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return str(number.quantize(CENT, rounding=ROUND_HALF_EVEN) + 0)


def fraction(value: float | None) -> str | None:
    return None if value is None or not np.isfinite(value) else f"{value:.6f}"


def plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


class PerformanceService:
    async def scope(
        self, session: AsyncSession, user: CurrentUser, account_id: int | None
    ) -> Scope:
        """The caller's whole portfolio, or one of their accounts (NotFound otherwise)."""
        base = (await users.get(session, user)).base_currency
        if account_id is None:
            ids = list(await repository.accounts_of(session, user.id))
        else:
            ids = [(await accounts.get(session, user, account_id)).id]
        return await load_scope(session, user.id, base, ids)

    async def _prepare(
        self, session: AsyncSession, user: CurrentUser, sel: schemas.Selection
    ) -> tuple[Scope, DateRange, np.ndarray, View | None]:
        """The scope, the resolved range, the history's dates and the selected series."""
        account_id, asset_id, p = sel.account_id, sel.asset_id, sel.range
        scope = await self.scope(session, user, account_id)
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
        scope, rng, dates, series = await self._prepare(session, user, sel)
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
                        value=money(series.values[row]),
                        net_inflow=money(flow),
                        carried_forward=bool(series.carried[row]),
                        value_asset=None
                        if series.value_asset is None
                        else money(series.value_asset[row]),
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
        scope, rng, dates, series = await self._prepare(session, user, sel)
        account_id, asset_id = sel.account_id, sel.asset_id
        if series is None:
            zero = money(0)
            gain = schemas.Gain(**dict.fromkeys(schemas.Gain.model_fields, zero))
            return schemas.Performance(
                range=rng.name, start=rng.start, end=rng.end, base_currency=scope.base_currency,
                twr=None, xirr=None, xirr_note="no transactions", gain=gain, total_return=None,
            )  # fmt: skip
        books = list(scope.books.values())
        if account_id is not None:
            books = [scope.books[str(account_id)]]
        symbol = None if asset_id is None else str(asset_id)
        result = performance(dates, series.values, series.inflows, books, rng, symbol)
        s = max((rng.start - dates[0].item()).days, -1)
        e = min((rng.end - dates[0].item()).days, len(dates) - 1)
        currency_effect = float(series.currency_effect[s + 1 : e + 1].sum()) if e > s else 0.0
        g = result.gains
        inflows = series.inflows[s + 1 : e + 1] if e > s else np.zeros(0)
        invested = g.start_value + float(inflows[inflows > 0].sum())
        note = None
        if result.money_weighted is None:
            note = (
                "the range holds no value and no flows"
                if g.start_value == 0 and g.end_value == 0 and not inflows.any()
                else "no rate solves the flows (they do not change sign, or no rate in "
                "(-100%, 10^6%) makes their present value zero)"
            )
        return schemas.Performance(
            range=rng.name,
            start=rng.start,
            end=rng.end,
            base_currency=scope.base_currency,
            twr=fraction(result.time_weighted),
            xirr=fraction(result.money_weighted),
            xirr_note=note,
            gain=schemas.Gain(
                realized=money(g.realized),
                unrealized=money(g.unrealized),
                income=money(g.income),
                fees=money(g.fees),
                total=money(g.absolute),
                price_effect=money(g.absolute - currency_effect),
                currency_effect=money(currency_effect),
            ),
            total_return=fraction(g.absolute / invested) if invested > 1e-9 else None,
        )

    async def lots(self, session: AsyncSession, user: CurrentUser, account_id: int) -> schemas.Lots:
        """Open lots of the caller's account, valued at the latest (or carried) price."""
        scope = await self.scope(session, user, account_id)
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
                    cost=money(lot.cost),
                    cost_base=money(lot.cost_base),
                    price=plain(price.quantize(Decimal("0.000001"))),
                    value=money(value),
                    unrealized_gain=money(value - lot.cost),
                    unrealized_gain_base=money(value * fx_now - lot.cost_base),
                )
            )
        return schemas.Lots(
            account_id=account_id, base_currency=scope.base_currency, as_of=scope.today, lots=out
        )

    async def realized(
        self, session: AsyncSession, user: CurrentUser, account_id: int, year: int | None
    ) -> schemas.Realized:
        """Every lot portion sold in ``year`` (default: this year); gain is net of sale fees."""
        scope = await self.scope(session, user, account_id)
        year = year or datetime.now(UTC).year
        book = scope.books.get(str(account_id))
        sales: list[schemas.Sale] = []
        totals = [Decimal(0)] * 4
        for c in book.closed_lots if book else ():
            if c.closed_at.astimezone(UTC).year != year:
                continue
            asset_id = int(c.symbol)
            amounts = (c.proceeds_base, c.cost_base, c.fee_base, c.gain_base - c.fee_base)
            totals = [t + a for t, a in zip(totals, amounts, strict=True)]
            sales.append(
                schemas.Sale(
                    sale_id=int(c.sale_id),
                    lot_id=int(c.lot_id),
                    date=c.closed_at.date(),
                    opened=c.opened_at.date(),
                    asset_id=asset_id,
                    symbol=scope.assets.get(asset_id, (c.symbol, ""))[0],
                    currency=c.currency,
                    quantity=plain(c.quantity),
                    proceeds=money(c.proceeds),
                    cost=money(c.cost),
                    fees=money(c.fee),
                    gain=money(c.gain - c.fee),
                    holding_period_days=c.holding_days,
                    proceeds_base=money(amounts[0]),
                    cost_base=money(amounts[1]),
                    fees_base=money(amounts[2]),
                    gain_base=money(amounts[3]),
                )
            )
        return schemas.Realized(
            account_id=account_id,
            year=year,
            base_currency=scope.base_currency,
            sales=sales,
            totals=schemas.RealizedTotals(
                sales=len(sales),
                proceeds_base=money(totals[0]),
                cost_base=money(totals[1]),
                fees_base=money(totals[2]),
                gain_base=money(totals[3]),
            ),
        )


def _last_rate(scope: Scope, currency: str) -> float:
    today = np.array([np.datetime64(scope.today, "D")])
    return float(daily_rate(scope.fx, currency, scope.base_currency, today)[0])


performance_service = PerformanceService()
