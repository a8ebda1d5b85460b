"""Names in the file -> rows of the database: accounts by name, assets by symbol.

Accounts are matched by name, ignoring case, among the caller's accounts. A name that matches
none is created in the import's database transaction (so a rejected import leaves no account
behind), in the currency the export states for it (Ghostfolio), else the currency of its first
row, else the user's base currency. A name shared by two open accounts is a row error, as is
a name that only a closed account has. Rows that name no account go to the request's
``account_id``. An unknown symbol is a row error naming the symbol; assets are never created
by an import, since they are shared by every user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account, Asset
from pulsefolio.core.money import is_currency
from pulsefolio.portfolio.imports.rows import ParsedRow, RowError

NAME_LIMIT = 200


@dataclass(slots=True)
class Resolved:
    """The account and asset of each row that could be resolved, and the rows that could not."""

    accounts: dict[int, Account] = field(default_factory=dict)
    assets: dict[int, Asset] = field(default_factory=dict)
    created: set[int] = field(default_factory=set)  # ids of accounts this import creates
    errors: list[RowError] = field(default_factory=list)


async def resolve(
    session: AsyncSession,
    user_id: int,
    base_currency: str,
    rows: list[ParsedRow],
    default: Account | None,
) -> Resolved:
    """The account and asset of every row; new accounts are added to ``session`` and flushed."""
    accounts = _Accounts(session, user_id, base_currency, default)
    await accounts.load()
    assets = await _assets_by_symbol(session, {row.symbol for row in rows if row.symbol})
    for row in rows:
        account = await accounts.of(row)
        if account is not None:
            accounts.resolved.accounts[row.row] = account
        if row.symbol:
            asset = assets.get(row.symbol)
            if asset is None:
                accounts.fail(row, "symbol", f"unknown symbol {row.symbol}")
            else:
                accounts.resolved.assets[row.row] = asset
    return accounts.resolved


class _Accounts:
    def __init__(
        self, session: AsyncSession, user_id: int, base_currency: str, default: Account | None
    ) -> None:
        self.session, self.user_id, self.base_currency = session, user_id, base_currency
        self.default = default
        self.by_name: dict[str, list[Account]] = {}
        self.resolved = Resolved()

    async def load(self) -> None:
        self.by_name = await _accounts_by_name(self.session, self.user_id)

    def fail(self, row: ParsedRow, field: str, reason: str) -> None:
        self.resolved.errors.append(RowError(row.row, field, reason))

    async def of(self, row: ParsedRow) -> Account | None:
        if row.account is None:
            if self.default is None:
                self.fail(row, "account", "names no account and no account_id was given")
            return self.default
        if len(row.account) > NAME_LIMIT:
            self.fail(row, "account", f"name longer than {NAME_LIMIT} characters")
            return None
        known = self.by_name.get(row.account.casefold(), [])
        open_ones = [account for account in known if account.closed_at is None]
        if len(open_ones) > 1:
            self.fail(row, "account", f"{len(open_ones)} open accounts are named {row.account}")
            return None
        if open_ones:
            return open_ones[0]
        if known:
            self.fail(row, "account", f"account {row.account} is closed")
            return None
        return await self._create(row, row.account)

    async def _create(self, row: ParsedRow, name: str) -> Account:
        currency = next(
            (c for c in (row.account_currency, row.currency) if c and is_currency(c)),
            self.base_currency,
        )
        account = Account(user_id=self.user_id, name=name, currency=currency)
        self.session.add(account)
        await self.session.flush()
        self.by_name[name.casefold()] = [account]
        self.resolved.created.add(account.id)
        return account


async def _accounts_by_name(session: AsyncSession, user_id: int) -> dict[str, list[Account]]:
    found: dict[str, list[Account]] = {}
    query = select(Account).where(Account.user_id == user_id).order_by(Account.id)
    for account in await session.scalars(query):
        found.setdefault(account.name.strip().casefold(), []).append(account)
    return found


async def _assets_by_symbol(session: AsyncSession, symbols: set[str]) -> dict[str, Asset]:
    if not symbols:
        return {}
    query = select(Asset).where(Asset.symbol.in_(sorted(symbols)))
    return {asset.symbol: asset for asset in await session.scalars(query)}
