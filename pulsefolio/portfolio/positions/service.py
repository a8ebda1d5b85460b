"""Reading an account's positions: only the owner may.

The stored row capitalizes purchase fees; with ``purchase_fees_in_cost_basis`` off they are
taken out of the cost basis (``open_purchase_fees``) and the realized gain (the closed lots'
share: ``purchase_fees - open_purchase_fees``) here, when read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.money import ZERO
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.ledger.rules import as_price
from pulsefolio.portfolio.positions import repository, schemas
from pulsefolio.portfolio.transactions.decimals import plain


def fees_of(row: Mapping[str, Any]) -> schemas.Fees:
    """The fee breakdown of a stored position row."""
    other = row["fees"] - row["sale_fees"] - row["withholding"]
    parts = (row["purchase_fees"], row["sale_fees"], row["withholding"], other)
    return schemas.Fees(
        purchase=plain(parts[0]),
        sale=plain(parts[1]),
        withholding=plain(parts[2]),
        other=plain(parts[3]),
        total=plain(sum(parts, ZERO)),
    )


def present(row: Mapping[str, Any], capitalize: bool) -> schemas.Position:
    """One stored row as the API shows it under the purchase-fee setting."""
    data = dict(row)
    cost, base = row["cost_basis"], row["cost_basis_base"]
    closed_purchase_fees = row["purchase_fees"] - row["open_purchase_fees"]
    gross = row["realized_gain"]
    if not capitalize:
        cost -= row["open_purchase_fees"]
        if base is not None:
            base -= row["open_purchase_fees_base"] or ZERO
        gross += closed_purchase_fees
        data["average_cost"] = as_price(cost / row["quantity"]) if row["quantity"] else ZERO
    data |= {
        "cost_basis": cost,
        "cost_basis_base": base,
        "realized_gain_gross": gross,
        "realized_gain_net": row["realized_gain"] - row["sale_fees"],
        "fees": fees_of(row),
    }
    return schemas.Position.model_validate(data)


class PositionService:
    async def of_account(
        self,
        session: AsyncSession,
        user: CurrentUser,
        account_id: int,
        *,
        include_empty: bool,
        capitalize: bool = True,
    ) -> schemas.AccountPositions:
        """Positions and cash of the caller's account; NotFound for anyone else's."""
        await accounts.get(session, user, account_id)
        rows = await repository.positions_of(session, account_id, include_empty=include_empty)
        cash = await repository.cash_of(session, account_id)
        return schemas.AccountPositions(
            account_id=account_id,
            positions=[present(row, capitalize) for row in rows],
            cash=[schemas.Cash(currency=c.currency, balance=c.balance) for c in cash],
        )


positions = PositionService()
