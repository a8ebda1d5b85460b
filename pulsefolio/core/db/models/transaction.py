"""Transactions: the ledger every position and cash balance is derived from.

Which columns a type uses (the ledger checks them with field-level messages; the CHECK
constraints here are the last line of defence):

=========================================  ===========================================
BUY, SELL                                  asset, quantity > 0, price >= 0, fee
DIVIDEND                                   asset, amount > 0 (gross cash), fee (withholding)
INTEREST, FEE, DEPOSIT, WITHDRAWAL         amount > 0, asset optional
SPLIT                                      asset, split_numerator > 0, split_denominator > 0
=========================================  ===========================================

A SPLIT multiplies the quantity held by ``split_numerator / split_denominator`` and leaves the
total cost unchanged: a 2-for-1 split is 2/1, a 1-for-10 reverse split is 1/10.

``lots`` (JSONB) holds the lots a SELL names in an account whose cost method is ``specific``:
``[{"lot_id": <a BUY's id>, "quantity": "<decimal>"}]``.

``currency`` is the currency of ``price``, ``amount`` and ``fee``; for anything with an asset it
is the asset's currency. ``user_id`` repeats the account's owner (a composite foreign key keeps
them equal) so the idempotency key can be unique per user.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import (
    Base,
    created_at,
    currency_type,
    enum_type,
    money_type,
    price_type,
    quantity_type,
    timestamp_type,
)
from pulsefolio.core.domain import TransactionType


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["account_id", "user_id"],
            ["accounts.id", "accounts.user_id"],
            name="fk_transactions_account_user",
            ondelete="CASCADE",
        ),
        Index("ix_transactions_account_executed", "account_id", "executed_at", "id"),
        Index(
            "ix_transactions_account_asset_executed", "account_id", "asset_id", "executed_at", "id"
        ),
        Index("ux_transactions_user_idempotency", "user_id", "idempotency_key", unique=True),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("price IS NULL OR price >= 0", name="price_not_negative"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint(
            "type NOT IN ('BUY', 'SELL') OR "
            "(asset_id IS NOT NULL AND quantity IS NOT NULL AND price IS NOT NULL)",
            name="trade_fields",
        ),
        CheckConstraint(
            "type <> 'SPLIT' OR (asset_id IS NOT NULL "
            "AND split_numerator > 0 AND split_denominator > 0)",
            name="split_fields",
        ),
        CheckConstraint(
            "type NOT IN ('DIVIDEND', 'INTEREST', 'FEE', 'DEPOSIT', 'WITHDRAWAL') "
            "OR amount IS NOT NULL",
            name="cash_fields",
        ),
        CheckConstraint("type <> 'DIVIDEND' OR asset_id IS NOT NULL", name="dividend_asset"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(BigInteger)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="RESTRICT"))
    type: Mapped[TransactionType] = mapped_column(enum_type(TransactionType, "type"))
    quantity: Mapped[Decimal | None] = mapped_column(quantity_type())
    price: Mapped[Decimal | None] = mapped_column(price_type())
    amount: Mapped[Decimal | None] = mapped_column(money_type())
    fee: Mapped[Decimal] = mapped_column(money_type(), default=Decimal(0), server_default="0")
    currency: Mapped[str] = mapped_column(currency_type())
    split_numerator: Mapped[Decimal | None] = mapped_column(quantity_type())
    split_denominator: Mapped[Decimal | None] = mapped_column(quantity_type())
    executed_at: Mapped[datetime] = mapped_column(timestamp_type())
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    lots: Mapped[list[dict[str, str | int]] | None] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(
        timestamp_type(), server_default=func.now(), onupdate=func.now()
    )
