"""Keep positions and cash balances equal to the transactions, inside the caller's transaction.

Every write path calls :func:`apply_transaction` (insert or correction) or
:func:`delete_transaction`; both lock the account row first, so concurrent writes to one
account replay one after the other and never from a stale view. A rejected write raises
:class:`~pulsefolio.core.errors.ValidationFailed` after having flushed nothing that the caller
would keep: the caller rolls its transaction back.

Rows are recomputed from all of the account's transactions of the asset (one index range scan
on ``ix_transactions_account_asset_executed``), never adjusted incrementally: the replay is the
source of truth, so a back-dated or corrected transaction needs nothing special. Positions
follow the account's cost method; ``cost_basis_base`` converts each lot at its purchase's
trade-date rate (:mod:`.fx`) into the owner's base currency, and a write in a currency other
than the base currency is refused when that rate is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Row, delete, inspect, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account, Asset, CashBalance, Position, Transaction, User
from pulsefolio.core.domain import CostMethod
from pulsefolio.core.domain import TransactionType as T
from pulsefolio.core.errors import Conflict, ValidationFailed
from pulsefolio.core.money import MONEY_NUMERIC, PRICE_NUMERIC, QUANTITY_NUMERIC, fits
from pulsefolio.portfolio.ledger.checks import TooLarge, check_transaction
from pulsefolio.portfolio.ledger.fx import Points, missing_reason, trade_rates
from pulsefolio.portfolio.ledger.named_lots import check_named_lots
from pulsefolio.portfolio.ledger.rules import (
    Entry,
    PositionState,
    as_price,
    fold_cash,
    fold_position,
    named_lots,
)

_ENTRY_COLUMNS = (
    Transaction.id,
    Transaction.type,
    Transaction.executed_at,
    Transaction.quantity,
    Transaction.price,
    Transaction.amount,
    Transaction.fee,
    Transaction.split_numerator,
    Transaction.split_denominator,
)

# select() types rows of at most ten columns: the row of _ENTRY_COLUMNS, lots and currency
_Amount = Decimal | None
_EntryRow = Row[
    int,
    T,
    datetime,
    _Amount,
    _Amount,
    _Amount,
    Decimal,
    _Amount,
    _Amount,
    list[dict[str, str | int]] | None,
    str,
]


async def apply_transaction(session: AsyncSession, tx: Transaction) -> None:
    """Validate ``tx`` (new or corrected), write it and recompute what it touches.

    Sets ``tx.user_id`` from the account when unset. Raises ValidationFailed for an unknown or
    closed account, an unknown asset, fields wrong for the type, a currency other than the
    asset's, or a replay that sells more than is held.
    """
    old = _previous_keys(tx)
    # a corrected row is dirty: checked before any query can autoflush it
    with session.no_autoflush:
        account = await _lock_account(session, tx.account_id)
        if tx.user_id is None:
            tx.user_id = account.user_id
        elif tx.user_id != account.user_id:
            raise ValidationFailed("account_id: unknown account", {"account_id": "unknown account"})
        asset_currency = None
        if tx.asset_id is not None:
            asset_currency = await session.scalar(
                select(Asset.currency).where(Asset.id == tx.asset_id)
            )
            if asset_currency is None:
                raise ValidationFailed("asset_id: unknown asset", {"asset_id": "unknown asset"})
        check_transaction(
            type=tx.type,
            executed_at=tx.executed_at,
            currency=tx.currency,
            asset_id=tx.asset_id,
            asset_currency=asset_currency,
            quantity=tx.quantity,
            price=tx.price,
            amount=tx.amount,
            fee=tx.fee,
            split_numerator=tx.split_numerator,
            split_denominator=tx.split_denominator,
            now=datetime.now(UTC),
        )
        await check_named_lots(session, tx, account.cost_method)
        base = await _base_currency(session, account.user_id)
        if tx.currency != base and not await trade_rates(
            session, base, [(0, tx.currency, tx.executed_at)]
        ):
            reason = missing_reason(tx.currency, base, tx.executed_at.astimezone(UTC).date())
            raise ValidationFailed(f"executed_at: {reason}", {"executed_at": reason})
    session.add(tx)
    await session.flush()
    for account_id in sorted({key[0] for key in old} - {tx.account_id}):
        await _lock_account(session, account_id, check_open=False)
    with _blaming(*_BLAMED.get(tx.type, ("amount",))):
        await _recompute_keys(session, {(tx.account_id, tx.asset_id, tx.currency), *old})


async def delete_transaction(session: AsyncSession, tx: Transaction) -> None:
    """Delete ``tx`` and recompute; raises ValidationFailed if a later sale becomes an oversell."""
    await _lock_account(session, tx.account_id, check_open=False)
    key = (tx.account_id, tx.asset_id, tx.currency)
    await session.delete(tx)
    await session.flush()
    with _blaming("transaction_id"):
        await _recompute_keys(session, {key})


async def recompute_position(
    session: AsyncSession,
    account_id: int,
    asset_id: int,
    *,
    fx_memo: dict[tuple[str, str], Points] | None = None,
    owner: tuple[CostMethod, str] | None = None,
) -> PositionState | None:
    """Rewrite the position of ``asset_id`` in ``account_id`` from its transactions.

    Returns the stored state, or None (and no row) when no transaction is left. ``fx_memo``
    shares loaded FX histories between the positions of one recomputation; ``owner`` is the
    account's cost method and its owner's base currency when the caller has read them.
    """
    rows = await session.execute(
        select(*_ENTRY_COLUMNS, Transaction.lots, Transaction.currency)
        .where(Transaction.account_id == account_id, Transaction.asset_id == asset_id)
        .order_by(Transaction.executed_at, Transaction.id)
    )
    listed: list[_EntryRow] = list(rows)
    entries = [Entry(*row[:-2]) for row in listed]
    named = {row.id: named_lots(row.lots) for row in listed if row.lots}
    if not entries:
        await session.execute(
            delete(Position).where(Position.account_id == account_id, Position.asset_id == asset_id)
        )
        return None
    method, base = owner or await _owner(session, account_id)
    buys = [(row.id, row.currency, row.executed_at) for row in listed if row.type is T.BUY]
    rates = await trade_rates(session, base, buys, fx_memo)
    state, average_cost = _stored_position(entries, method, rates, named)
    values = {name: getattr(state, name) for name, _, _ in _POSITION_FIGURES}
    values |= {"average_cost": average_cost, "updated_at": datetime.now(UTC)}
    statement = insert(Position).values(account_id=account_id, asset_id=asset_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["account_id", "asset_id"], set_=values)
    )
    return state


async def recompute_cash(session: AsyncSession, account_id: int, currency: str) -> Decimal | None:
    """Rewrite the cash balance of ``account_id`` in ``currency``; None when no transaction."""
    rows = await session.execute(
        select(*_ENTRY_COLUMNS)
        .where(Transaction.account_id == account_id, Transaction.currency == currency)
        .order_by(Transaction.executed_at, Transaction.id)
    )
    entries = [Entry(*row) for row in rows]
    if not entries:
        await session.execute(
            delete(CashBalance).where(
                CashBalance.account_id == account_id, CashBalance.currency == currency
            )
        )
        return None
    try:
        balance = fold_cash(entries)
    except ArithmeticError as exc:
        raise TooLarge("the cash balance") from exc
    if not fits(balance, MONEY_NUMERIC):
        raise TooLarge("the cash balance")
    values = {"balance": balance, "updated_at": datetime.now(UTC)}
    statement = insert(CashBalance).values(account_id=account_id, currency=currency, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["account_id", "currency"], set_=values)
    )
    return balance


async def recompute_account(
    session: AsyncSession,
    account_id: int,
    *,
    fx_memo: dict[tuple[str, str], Points] | None = None,
) -> None:
    """Rewrite every position and cash balance of ``account_id`` (after a bulk change);
    ``fx_memo`` shares loaded FX histories with other accounts recomputed in one go."""
    await _lock_account(session, account_id, check_open=False)
    assets = set(
        await session.scalars(
            select(Transaction.asset_id)
            .where(Transaction.account_id == account_id, Transaction.asset_id.is_not(None))
            .union(select(Position.asset_id).where(Position.account_id == account_id))
        )
    )
    currencies = set(
        await session.scalars(
            select(Transaction.currency)
            .where(Transaction.account_id == account_id)
            .union(select(CashBalance.currency).where(CashBalance.account_id == account_id))
        )
    )
    memo = {} if fx_memo is None else fx_memo
    owner = await _owner(session, account_id)
    with _blaming("cost_method"):
        for asset_id in sorted(a for a in assets if a is not None):
            await recompute_position(session, account_id, asset_id, fx_memo=memo, owner=owner)
        for currency in sorted(currencies):
            await recompute_cash(session, account_id, currency)


async def recompute_user_positions(session: AsyncSession, user_id: int) -> None:
    """Rewrite every position of ``user_id`` (after a change of base currency)."""
    rows = await session.execute(
        select(Position.account_id, Position.asset_id)
        .join(Account, Account.id == Position.account_id)
        .where(Account.user_id == user_id)
        .order_by(Position.account_id, Position.asset_id)
    )
    memo: dict[tuple[str, str], Points] = {}
    with _blaming("base_currency"):
        for account_id, asset_id in list(rows):
            await recompute_position(session, account_id, asset_id, fx_memo=memo)


@contextmanager
def _blaming(*fields: str) -> Iterator[None]:
    """Turn a figure too large to store into a ValidationFailed naming ``fields``."""
    try:
        yield
    except TooLarge as exc:
        raise exc.blaming(fields) from None


# The request fields a figure too large to store is blamed on, by the type being written.
_BLAMED: dict[T, tuple[str, ...]] = {
    T.BUY: ("quantity", "price"),
    T.SELL: ("quantity", "price"),
    T.SPLIT: ("split_numerator", "split_denominator"),
}
_POSITION_FIGURES = (
    ("quantity", QUANTITY_NUMERIC, "the position's quantity"),
    ("cost_basis", MONEY_NUMERIC, "the position's cost"),
    ("cost_basis_base", MONEY_NUMERIC, "the position's cost in the base currency"),
    ("realized_gain", MONEY_NUMERIC, "the position's realized gain"),
    ("dividends", MONEY_NUMERIC, "the position's dividends"),
    ("fees", MONEY_NUMERIC, "the position's fees"),
    ("purchase_fees", MONEY_NUMERIC, "the position's purchase fees"),
    ("sale_fees", MONEY_NUMERIC, "the position's sale fees"),
    ("withholding", MONEY_NUMERIC, "the position's withholding"),
    ("open_purchase_fees", MONEY_NUMERIC, "the position's purchase fees"),
    ("open_purchase_fees_base", MONEY_NUMERIC, "the position's purchase fees"),
)


def _stored_position(
    entries: list[Entry],
    method: CostMethod,
    rates: dict[int, Decimal],
    named: dict[int, tuple[tuple[int, Decimal], ...]],
) -> tuple[PositionState, Decimal]:
    """The replayed position at its columns' scales and its average cost; TooLarge when a
    figure does not fit its column, or is too long even to be rounded to its scale."""
    try:
        state = fold_position(entries, method, rates, named).stored()
        average_cost = as_price(state.average_cost)
    except ArithmeticError as exc:
        raise TooLarge("the position") from exc
    for name, numeric, what in _POSITION_FIGURES:
        value = getattr(state, name)
        if value is not None and not fits(value, numeric):
            raise TooLarge(what)
    if not fits(average_cost, PRICE_NUMERIC):
        raise TooLarge("the position's average cost")
    return state, average_cost


async def _owner(session: AsyncSession, account_id: int) -> tuple[CostMethod, str]:
    """The account's cost method and its owner's base currency."""
    row = await session.execute(
        select(Account.cost_method, User.base_currency)
        .join(User, User.id == Account.user_id)
        .where(Account.id == account_id)
    )
    method, base = row.one()
    return method, base


async def _base_currency(session: AsyncSession, user_id: int) -> str:
    base = await session.scalar(select(User.base_currency).where(User.id == user_id))
    return base or ""


async def _lock_account(
    session: AsyncSession, account_id: int, *, check_open: bool = True
) -> Account:
    account = await session.scalar(
        select(Account).where(Account.id == account_id).with_for_update()
    )
    if account is None:
        raise ValidationFailed("account_id: unknown account", {"account_id": "unknown account"})
    if check_open and account.closed_at is not None:
        raise Conflict("account is closed")
    return account


Key = tuple[int, int | None, str]


def _previous_keys(tx: Transaction) -> set[Key]:
    """The (account, asset, currency) a corrected transaction had before, if it changed."""
    state = inspect(tx)
    if not state.persistent:
        return set()

    def before(name: str) -> object:
        history = state.attrs[name].history
        return history.deleted[0] if history.deleted else getattr(tx, name)

    old = (before("account_id"), before("asset_id"), before("currency"))
    if old == (tx.account_id, tx.asset_id, tx.currency):
        return set()
    return {old}  # type: ignore[arg-type]


async def _recompute_keys(session: AsyncSession, keys: set[Key]) -> None:
    positions = {(account_id, asset_id) for account_id, asset_id, _ in keys if asset_id is not None}
    for account_id, asset_id in sorted(positions):
        await recompute_position(session, account_id, asset_id)
    for account_id, currency in sorted({(k[0], k[2]) for k in keys}):
        await recompute_cash(session, account_id, currency)
