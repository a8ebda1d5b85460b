"""Rules of imports: all rows or none, with every bad row reported.

The file is parsed, its account names and symbols resolved, then its rows are applied through
the ledger in date order (file order within a moment) inside one database transaction, each in
a SAVEPOINT of its own: a row the ledger refuses rolls back to its savepoint, its reasons are
collected, and the next row goes on, so one upload reports every bad row. If any row failed,
the whole transaction is rolled back and nothing is written. A preview runs the same and always
rolls back. Rows the accounts already hold are marked in the preview and, with ``skip_booked``,
left out (:mod:`.duplicates`).

An ``Idempotency-Key`` is stored on each imported transaction as
``import:<sha256(key)[:32]>:<sha256(request)[:16]>:<n>``. The same key again returns the ids
the first upload created and writes nothing; the same key with another file is a Conflict.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field

import asyncpg
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Account, Asset, Transaction
from pulsefolio.core.errors import Conflict, PulsefolioError, ValidationFailed
from pulsefolio.core.stream import Stream
from pulsefolio.portfolio.accounts.service import accounts
from pulsefolio.portfolio.auth.dependencies import CurrentUser
from pulsefolio.portfolio.imports import repository, schemas
from pulsefolio.portfolio.imports.broker_csv import parse_csv
from pulsefolio.portfolio.imports.duplicates import Booked
from pulsefolio.portfolio.imports.ghostfolio import parse_ghostfolio
from pulsefolio.portfolio.imports.resolve import Resolved, resolve
from pulsefolio.portfolio.imports.rows import Parsed, ParsedRow, RowError
from pulsefolio.portfolio.imports.values import format_ratio
from pulsefolio.portfolio.ledger import apply_transaction
from pulsefolio.portfolio.positions.events import announce, record

PARSERS = {"csv": parse_csv, "ghostfolio": parse_ghostfolio}
_SHOWN = ("executed_at", "quantity", "price", "amount", "fee", "note")
# the ledger's field names -> the import's column names
FIELDS = {
    "asset_id": "symbol",
    "executed_at": "date",
    "split_numerator": "split_ratio",
    "split_denominator": "split_ratio",
    "split": "split_ratio",
    "account_id": "account",
}


class ImportTooLarge(PulsefolioError):
    status_code = 413


class ImportRejected(ValidationFailed):
    """Some rows are bad; ``errors`` lists every one of them."""

    def __init__(self, errors: list[schemas.RowIssue]) -> None:
        rows = len({issue.row for issue in errors})
        super().__init__(f"{rows} row(s) refused; nothing was imported")
        self.errors = errors


@dataclass(slots=True)
class _Staged:
    preview: schemas.Preview
    transactions: list[Transaction] = field(default_factory=list)
    accounts: set[int] = field(default_factory=set)
    skipped: list[int] = field(default_factory=list)


class ImportService:
    async def preview(
        self, session: AsyncSession, user: CurrentUser, body: schemas.ImportRequest, max_bytes: int
    ) -> schemas.Preview:
        """What an import would do, with every error; always writes nothing."""
        _check_content(body, max_bytes)
        try:
            return (await self._stage(session, user, body, None)).preview
        finally:
            await session.rollback()

    async def run(
        self,
        session: AsyncSession,
        stream: Stream,
        user: CurrentUser,
        body: schemas.ImportRequest,
        max_bytes: int,
        idempotency_key: str | None,
    ) -> tuple[schemas.ImportResult, bool]:
        """Import every row or none; returns the result and whether it is a replay.

        Raises ImportRejected listing every bad row, ImportTooLarge, NotFound for an
        ``account_id`` not the caller's, Conflict for a key used with another request.
        """
        _check_content(body, max_bytes)
        key = _Key(idempotency_key, body) if idempotency_key else None
        if key is not None and (first := await key.replay(session, user.id)) is not None:
            return first, True
        try:
            staged = await self._stage(session, user, body, key)
            if not staged.preview.ok:
                await session.rollback()
                raise ImportRejected(staged.preview.errors)
            for account_id in sorted(staged.accounts):
                await record(session, user.id, account_id)
            await session.commit()
        except IntegrityError:
            await session.rollback()
            if key is None or (first := await key.replay(session, user.id)) is None:
                raise
            return first, True  # a concurrent upload with the same key committed first
        await announce(stream, user.id)
        ids = [tx.id for tx in staged.transactions]
        result = schemas.ImportResult(
            imported=len(ids), transaction_ids=ids, skipped_rows=sorted(staged.skipped)
        )
        return result, False

    async def _stage(
        self,
        session: AsyncSession,
        user: CurrentUser,
        body: schemas.ImportRequest,
        key: _Key | None,
    ) -> _Staged:
        default = None
        if body.account_id is not None:
            default = await accounts.get(session, user, body.account_id)
        parsed: Parsed = PARSERS[body.format](body.content).refuse_nul()
        resolved = await resolve(session, user.id, user.base_currency, parsed.rows, default)
        errors = parsed.errors + resolved.errors
        unresolved = {error.row for error in resolved.errors}
        staged = _Staged(schemas.Preview(ok=False, rows=[], errors=[]))
        accounts_by_row, assets_by_row = resolved.accounts, resolved.assets
        candidates = [
            (row, _transaction(user.id, row, accounts_by_row[row.row], assets_by_row.get(row.row)))
            for row in replay_order(parsed.rows)
            if row.row not in unresolved
        ]
        booked_before = await Booked.load(session, user.id, [tx for _, tx in candidates])
        booked = {row.row for row, tx in candidates if booked_before.take(tx)}
        for row, tx in candidates:
            if body.skip_booked and row.row in booked:
                staged.skipped.append(row.row)
                continue
            if key is not None:
                tx.idempotency_key = key.for_row(len(staged.transactions))
            failures = await _apply(session, row.row, tx)
            errors.extend(failures)
            if not failures:
                staged.transactions.append(tx)
                staged.accounts.add(tx.account_id)
        errors.sort(key=lambda error: error.row)
        staged.preview = schemas.Preview(
            ok=not errors,
            rows=[_preview_row(row, resolved, default, row.row in booked) for row in parsed.rows],
            errors=[schemas.RowIssue(row=e.row, field=e.field, reason=e.reason) for e in errors],
        )
        return staged


def _check_content(body: schemas.ImportRequest, max_bytes: int) -> None:
    """Refuse content that is not text (a lone surrogate, which JSON can carry but UTF-8
    cannot) with a 422, and content over ``max_bytes`` with a 413."""
    try:
        size = len(body.content.encode())
    except UnicodeEncodeError as exc:
        reason = f"is not valid text: a lone surrogate at character {exc.start}"
        raise ValidationFailed(f"content: {reason}", {"content": reason}) from None
    if size > max_bytes:
        raise ImportTooLarge(f"content: {size} bytes is over the limit of {max_bytes} bytes")


def _transaction(
    user_id: int, row: ParsedRow, account: Account, asset: Asset | None
) -> Transaction:
    copied = ("type", "split_numerator", "split_denominator", *_SHOWN)
    return Transaction(
        user_id=user_id,
        account_id=account.id,
        asset_id=asset.id if asset is not None else None,
        currency=row.currency or (asset.currency if asset is not None else account.currency),
        **{name: getattr(row, name) for name in copied},
    )


async def _apply(session: AsyncSession, row: int, tx: Transaction) -> list[RowError]:
    """Apply ``tx`` in a savepoint of its own; the reasons it was refused, if it was."""
    try:
        async with session.begin_nested():
            await apply_transaction(session, tx)
    except ValidationFailed as exc:
        if not exc.fields:
            return [RowError(row, "row", exc.detail)]
        reasons = {FIELDS.get(name, name): reason for name, reason in exc.fields.items()}
        return [RowError(row, name, reason) for name, reason in reasons.items()]
    except DBAPIError as exc:
        if isinstance(exc, IntegrityError) or not _value_out_of_range(exc):
            raise
        return [RowError(row, "row", "a number has more digits than its column holds")]
    return []


def _value_out_of_range(exc: DBAPIError) -> bool:
    cause: BaseException | None = exc.orig
    while cause is not None:
        if isinstance(cause, asyncpg.exceptions.DataError):
            return True
        cause = cause.__cause__
    return False


def _preview_row(
    row: ParsedRow, resolved: Resolved, default: Account | None, booked: bool
) -> schemas.PreviewRow:
    account = resolved.accounts.get(row.row)
    asset = resolved.assets.get(row.row)
    holder = asset or account
    currency = row.currency or (holder.currency if holder is not None else "")
    return schemas.PreviewRow(
        row=row.row,
        account_id=None if account is None or account.id in resolved.created else account.id,
        account=row.account or (default.name if default is not None else ""),
        date=row.executed_at.date().isoformat(),
        type=row.type.value.lower(),
        symbol=row.symbol,
        asset_id=asset.id if asset is not None else None,
        currency=currency,
        split_ratio=format_ratio(row.split_numerator, row.split_denominator) or None,
        booked=booked,
        **{name: getattr(row, name) for name in _SHOWN},
    )


class _Key:
    """The idempotency keys of one upload's transactions, and the lookup of an earlier one."""

    def __init__(self, key: str, body: schemas.ImportRequest) -> None:
        self.prefix = f"import:{hashlib.sha256(key.encode()).hexdigest()[:32]}:"
        skip = "\0skip_booked" if body.skip_booked else ""  # a key's digest before it, unchanged
        request = f"{body.format}\0{body.account_id}\0{body.content}{skip}".encode()
        self.digest = hashlib.sha256(request).hexdigest()[:16]

    def for_row(self, index: int) -> str:
        return f"{self.prefix}{self.digest}:{index}"

    async def replay(self, session: AsyncSession, user_id: int) -> schemas.ImportResult | None:
        """The result of the earlier upload with this key; Conflict if its file differed."""
        rows = await repository.keyed(session, user_id, self.prefix)
        if not rows:
            return None
        if any(not key.startswith(f"{self.prefix}{self.digest}:") for _, key in rows):
            raise Conflict("Idempotency-Key was already used with a different file")
        ids = [ident for ident, _ in rows]
        return schemas.ImportResult(imported=len(ids), transaction_ids=ids)


imports = ImportService()


def replay_order(rows: list[ParsedRow]) -> list[ParsedRow]:
    """``rows`` oldest first. Rows of the same moment (date-only rows share midnight) keep the
    file's order, read backwards when the file lists its rows newest first (as many brokers'
    exports do), so a same-day buy and sale replay as buy, then sale."""
    moments = [row.executed_at for row in rows]
    later = sum(b > a for a, b in itertools.pairwise(moments))
    earlier = sum(b < a for a, b in itertools.pairwise(moments))
    direction = -1 if earlier > later else 1
    return sorted(rows, key=lambda row: (row.executed_at, direction * row.row))
