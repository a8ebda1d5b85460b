"""The tax-lot report: every lot portion the caller's sales closed in one year.

One row per closed lot portion of every account of the caller, in the base currency at
trade-date rates, by each account's cost method; amounts are rounded first and the gains are
what the rounded amounts leave (``gain_gross = proceeds - cost``, ``gain_net = gain_gross -
fees``), the totals sum the rounded rows. A lot held more than ``long_term_holding_days`` days
is long-term.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.performance.service import performance_service, rounded, sale_amounts
from pulsefolio.portfolio.reports import schemas

AMOUNTS = ("proceeds", "cost", "fees", "gain_gross", "gain_net")


async def tax_lots(
    session: AsyncSession,
    user: CurrentUser,
    year: int | None,
    *,
    capitalize: bool,
    long_term_days: int,
) -> schemas.TaxLots:
    scope = await performance_service.scope(session, user, None, capitalize)
    year = year or datetime.now(UTC).year
    base = scope.base_currency
    query = select(Account.id, Account.name).where(Account.user_id == user.id)
    names = {ident: name for ident, name in await session.execute(query)}
    rows: list[schemas.TaxLot] = []
    totals = [rounded(Decimal(0), base)] * 5
    for account, book in sorted(scope.books.items(), key=lambda item: int(item[0])):
        for c in book.closed_lots:
            if c.closed_at.astimezone(UTC).year != year:
                continue
            amounts = sale_amounts(c.proceeds_base, c.cost_base, c.fees_base, base)
            totals = [t + a for t, a in zip(totals, amounts, strict=True)]
            asset_id = int(c.symbol)
            rows.append(
                schemas.TaxLot(
                    account_id=int(account),
                    account_name=names.get(int(account), ""),
                    asset_id=asset_id,
                    symbol=scope.assets.get(asset_id, (c.symbol, ""))[0],
                    lot_id=int(c.lot_id),
                    sale_id=int(c.sale_id),
                    acquired=c.opened_at.date(),
                    disposed=c.closed_at.date(),
                    quantity=format(c.quantity.normalize(), "f"),
                    holding_period_days=c.holding_days,
                    term=schemas.Term.LONG
                    if c.holding_days > long_term_days
                    else schemas.Term.SHORT,
                    proceeds=str(amounts[0]),
                    cost=str(amounts[1]),
                    fees=str(amounts[2]),
                    gain_gross=str(amounts[3]),
                    gain_net=str(amounts[4]),
                )
            )
    rows.sort(key=lambda r: (r.disposed, r.sale_id, r.acquired, r.lot_id))
    return schemas.TaxLots(
        year=year,
        base_currency=base,
        long_term_holding_days=long_term_days,
        lots=rows,
        totals=schemas.TaxLotTotals(
            lots=len(rows), **{name: str(t) for name, t in zip(AMOUNTS, totals, strict=True)}
        ),
    )
