"""Column types as stored: exact decimals, aware timestamps, case-insensitive e-mails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal as D

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.db.models import Account, Asset, FxRate, PriceHistory, Transaction, User
from pulsefolio.core.db.urls import with_database
from pulsefolio.core.domain import AssetClass, TransactionType


class TestColumnTypes:
    async def test_no_float_and_no_naive_timestamp_anywhere(self, database_url: str) -> None:
        conn = await asyncpg.connect(with_database(database_url, driver=None))
        try:
            types = await conn.fetch(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
            )
        finally:
            await conn.close()
        kinds = {row["data_type"] for row in types}

        assert "numeric" in kinds and "timestamp with time zone" in kinds
        assert not kinds & {"real", "double precision", "timestamp without time zone", "money"}

    async def test_extreme_decimals_round_trip_exactly(self, database_url: str) -> None:
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        quantity = D("12345678901234.0123456789")  # NUMERIC(24, 10): 14 + 10 digits
        price = D("0.0000000001")
        fee = D("99999999999999.999999")  # NUMERIC(20, 6)
        rate = D("123456789012.123456789012")  # NUMERIC(24, 12)
        when = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        try:
            async with sessions.begin() as session:
                user = User(email="n@example.test", password_hash="x")
                asset = Asset(symbol="X", name="X", asset_class=AssetClass.STOCK, currency="USD")
                session.add_all([user, asset])
                await session.flush()
                account = Account(user_id=user.id, name="A", currency="USD")
                session.add(account)
                await session.flush()
                session.add_all([
                    Transaction(
                        user_id=user.id, account_id=account.id, asset_id=asset.id,
                        type=TransactionType.BUY, quantity=quantity, price=price, fee=fee,
                        currency="USD", executed_at=when,
                    ),
                    PriceHistory(
                        asset_id=asset.id, as_of=when, source="s", price=quantity, currency="USD"
                    ),
                    FxRate(base="USD", quote="INR", as_of=when, source="s", rate=rate),
                ])  # fmt: skip
            async with sessions() as session:
                tx = (await session.scalars(select(Transaction))).one()
                stored_price = await session.scalar(select(PriceHistory.price))
                stored_rate = await session.scalar(select(FxRate.rate))
        finally:
            await engine.dispose()

        assert (tx.quantity, tx.price, tx.fee) == (quantity, price, fee)
        assert str(tx.quantity) == "12345678901234.0123456789"
        assert stored_price == quantity and stored_rate == rate
        assert tx.executed_at == when and tx.executed_at.tzinfo is not None
        assert tx.executed_at.astimezone(UTC).hour == 4


class TestUsers:
    async def test_email_is_unique_regardless_of_case(self, database_url: str) -> None:
        engine = create_engine(database_url)
        sessions = session_factory(engine)
        try:
            async with sessions.begin() as session:
                session.add(User(email="Ann@Example.test", password_hash="x"))
            with pytest.raises(IntegrityError):
                async with sessions.begin() as session:
                    session.add(User(email="ann@example.TEST", password_hash="y"))
            async with sessions() as session:
                users = (await session.scalars(select(User))).all()
        finally:
            await engine.dispose()

        assert [(u.email, u.role.value, u.base_currency) for u in users] == [
            ("Ann@Example.test", "user", "USD")
        ]
