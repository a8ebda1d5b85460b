"""Rules of transactions: ownership, idempotent creation, corrections, deletion.

Every write goes through the ledger in the same database transaction, so positions and cash
never disagree with the transactions; a write the ledger refuses (an oversell, a bad split, a
currency other than the asset's, a date too far ahead) rolls back whole. A PositionChanged is
recorded in the stream outbox in that same transaction and sent after the commit, so every
instance revalues the user even if the stream was down at the time.

An ``Idempotency-Key`` is unique per user. Sending the same key again returns the transaction
the first request created and writes nothing; the same key with a different request is a
Conflict, since answering with the first result would hide the difference.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Transaction
from pulsefolio.core.domain import TransactionType
from pulsefolio.core.errors import Conflict, NotFound, ValidationFailed
from pulsefolio.core.stream import Stream
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.ledger import apply_transaction, delete_transaction
from pulsefolio.portfolio.positions.events import announce, record
from pulsefolio.portfolio.transactions import repository, schemas

_COMPARED = (
    "type",
    "asset_id",
    "quantity",
    "price",
    "amount",
    "fee",
    "split_numerator",
    "split_denominator",
    "executed_at",
)


def encode_cursor(row: Transaction) -> str:
    raw = f"{row.executed_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (executed_at, id) a cursor stands for; ValidationFailed if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, ident = raw.rpartition("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(ident)
    except ValueError as exc:
        raise ValidationFailed(
            "cursor: not a valid cursor", {"query.cursor": "not a valid cursor"}
        ) from exc


def _same_request(row: Transaction, account_id: int, body: schemas.TransactionCreate) -> bool:
    if row.account_id != account_id:
        return False
    if body.currency is not None and body.currency != row.currency:
        return False
    if (row.lots or None) != schemas.stored_lots(body.lots):
        return False
    return all(getattr(row, name) == getattr(body, name) for name in _COMPARED)


class TransactionService:
    async def get(
        self, session: AsyncSession, user: CurrentUser, transaction_id: int
    ) -> Transaction:
        row = await repository.owned(session, user.id, transaction_id)
        if row is None:
            raise NotFound("no such transaction")
        return row

    async def create(
        self,
        session: AsyncSession,
        stream: Stream,
        user: CurrentUser,
        account_id: int,
        body: schemas.TransactionCreate,
        idempotency_key: str | None,
    ) -> tuple[Transaction, bool]:
        """The new transaction, or the first one made with this key; and whether it is a replay.

        Raises NotFound for an account not the caller's, ValidationFailed for what the ledger
        refuses, Conflict for a key already used with a different request.
        """
        account = await accounts.get(session, user, account_id)
        if idempotency_key is not None:
            first = await repository.by_idempotency_key(session, user.id, idempotency_key)
            if first is not None:
                return self._replay(first, account_id, body), True
        currency = body.currency
        if currency is None and body.asset_id is not None:
            currency = await repository.asset_currency(session, body.asset_id)
        row = Transaction(
            user_id=user.id,
            account_id=account.id,
            currency=currency or account.currency,
            idempotency_key=idempotency_key,
            lots=schemas.stored_lots(body.lots),
            **body.model_dump(exclude={"currency", "lots"}),
        )
        try:
            await apply_transaction(session, row)
            await record(session, user.id, account.id)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            if idempotency_key is None:
                raise
            # a concurrent request with the same key committed first
            first = await repository.by_idempotency_key(session, user.id, idempotency_key)
            if first is None:
                raise
            return self._replay(first, account_id, body), True
        await announce(stream, user.id)
        return row, False

    def _replay(
        self, first: Transaction, account_id: int, body: schemas.TransactionCreate
    ) -> Transaction:
        if not _same_request(first, account_id, body):
            raise Conflict("Idempotency-Key was already used with a different request")
        return first

    async def list(
        self,
        session: AsyncSession,
        user: CurrentUser,
        account_id: int,
        *,
        types: list[TransactionType] | None,
        asset_id: int | None,
        start: datetime | None,
        end: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> schemas.TransactionPage:
        await accounts.get(session, user, account_id)
        after = decode_cursor(cursor) if cursor else None
        rows = await repository.page(
            session,
            account_id,
            types=types,
            asset_id=asset_id,
            start=start,
            end=end,
            after=after,
            limit=limit + 1,
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return schemas.TransactionPage(
            items=[schemas.Transaction.model_validate(row) for row in rows],
            next_cursor=encode_cursor(rows[-1]) if more else None,
        )

    async def list_all(
        self, session: AsyncSession, user: CurrentUser, q: schemas.TransactionQuery
    ) -> schemas.TransactionListing:
        """The caller's transactions in every account; NotFound for an account that is not
        theirs (as the per-account routes answer), ValidationFailed for a range that ends before
        it starts."""
        if q.account_ids:
            own = {
                account.id for account in await accounts.list(session, user, include_closed=True)
            }
            if set(q.account_ids) - own:
                raise NotFound("no such account")
        if q.start is not None and q.end is not None and q.end <= q.start:
            raise ValidationFailed("to: must be after from", {"to": "must be after from"})
        rows, total = await repository.listing(session, user.id, q)
        return schemas.TransactionListing(
            items=[schemas.Transaction.model_validate(row) for row in rows],
            total=total,
            offset=q.offset,
            limit=q.limit,
        )

    async def update(
        self,
        session: AsyncSession,
        stream: Stream,
        user: CurrentUser,
        transaction_id: int,
        body: schemas.TransactionUpdate,
    ) -> Transaction:
        """Correct a transaction; the ledger replays the account as if it had always been so."""
        row = await repository.owned(session, user.id, transaction_id, for_update=True)
        if row is None:
            raise NotFound("no such transaction")
        changes = body.model_dump(exclude_unset=True)
        for name in ("type", "executed_at", "fee"):
            if name in changes and changes[name] is None:
                raise ValidationFailed(f"{name}: may not be null", {name: "may not be null"})
        if "asset_id" in changes and "currency" not in changes and changes["asset_id"] is not None:
            changes["currency"] = await repository.asset_currency(session, changes["asset_id"])
        if changes.get("currency") is None:
            changes.pop("currency", None)
        if "lots" in changes:
            changes["lots"] = schemas.stored_lots(changes["lots"])
        for name, value in changes.items():
            setattr(row, name, value)
        await apply_transaction(session, row)
        await record(session, user.id, row.account_id)
        await session.commit()
        await session.refresh(row)
        await announce(stream, user.id)
        return row

    async def delete(
        self, session: AsyncSession, stream: Stream, user: CurrentUser, transaction_id: int
    ) -> None:
        """Delete; ValidationFailed if a later sale would then sell more than is held."""
        row = await repository.owned(session, user.id, transaction_id, for_update=True)
        if row is None:
            raise NotFound("no such transaction")
        account_id = row.account_id
        await delete_transaction(session, row)
        await record(session, user.id, account_id)
        await session.commit()
        await announce(stream, user.id)


transactions = TransactionService()
