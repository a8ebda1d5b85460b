"""The ledger against real PostgreSQL: positions and cash follow every write, bad writes leave
nothing behind. Expected figures are worked out by hand in each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pulsefolio.core.db.engine import create_engine, session_factory
from pulsefolio.core.db.models import (
    Account,
    Asset,
    CashBalance,
    FxRate,
    Position,
    Transaction,
    User,
)
from pulsefolio.core.domain import AssetClass, TransactionType
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.portfolio.ledger import (
    apply_transaction,
    delete_transaction,
    recompute_account,
)
from pulsefolio.portfolio.ledger.fx import pick

T = TransactionType
DAY0 = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)


@dataclass
class Book:
    sessions: async_sessionmaker[AsyncSession]
    account_id: int
    usd_asset: int
    eur_asset: int

    async def write(self, type: TransactionType, day: int, **fields: object) -> Transaction:
        fields.setdefault("currency", "USD")
        tx = Transaction(
            account_id=self.account_id, type=type, executed_at=DAY0 + timedelta(days=day), **fields
        )
        async with self.sessions.begin() as session:
            await apply_transaction(session, tx)
        return tx

    async def position(self, asset_id: int | None = None) -> Position | None:
        async with self.sessions() as session:
            return await session.get(Position, (self.account_id, asset_id or self.usd_asset))

    async def cash(self, currency: str = "USD") -> D | None:
        async with self.sessions() as session:
            row = await session.get(CashBalance, (self.account_id, currency))
            return row.balance if row else None

    async def count(self) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(Transaction)) or 0)


@pytest_asyncio.fixture(loop_scope="session")
async def book(database_url: str) -> AsyncIterator[Book]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        user = User(email="ledger@example.test", password_hash="x", base_currency="USD")
        session.add(user)
        await session.flush()
        account = Account(user_id=user.id, name="Broker", currency="USD")
        usd = Asset(symbol="AAPL", name="Apple", asset_class=AssetClass.STOCK, currency="USD")
        eur = Asset(symbol="SAP.DE", name="SAP", asset_class=AssetClass.STOCK, currency="EUR")
        session.add_all([account, usd, eur])
        await session.flush()
        session.add(
            FxRate(
                base="EUR", quote="USD", as_of=DAY0 - timedelta(days=3), source="t", rate=D("1.1")
            )
        )
        ids = (account.id, usd.id, eur.id)
    yield Book(sessions, *ids)
    await engine.dispose()


def buy(book: Book, qty: str, price: str, fee: str = "0") -> dict[str, object]:
    return {"asset_id": book.usd_asset, "quantity": D(qty), "price": D(price), "fee": D(fee)}


class TestBuy:
    async def test_opens_position_with_fee_in_cost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "10", "100", fee="1"))

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == D("10")
        assert pos.cost_basis == D("1001")  # 10 * 100 + 1
        assert pos.average_cost == D("100.1")
        assert pos.realized_gain == 0
        assert await book.cash() == D("0")  # the 1001 shortfall is an implicit deposit

    async def test_second_buy_averages_cost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "10", "100"))
        await book.write(T.BUY, 1, **buy(book, "30", "120"))

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == D("40")
        assert pos.cost_basis == D("4600")  # 1000 + 3600
        assert pos.average_cost == D("115")  # 4600 / 40


class TestSell:
    async def test_partial_sell_realizes_gain_at_average_cost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "10", "100"))
        await book.write(T.SELL, 1, **buy(book, "4", "120", fee="2"))

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == D("6")
        assert pos.cost_basis == D("600")  # 1000 - 4/10 * 1000
        assert pos.realized_gain == D("80")  # 4 * 120 - 400, fee apart
        assert pos.fees == D("2")
        assert await book.cash() == D("478")  # 0 after the funded buy, + 480 - 2

    async def test_sell_all_keeps_row_with_realized_gain(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "3", "10"))
        await book.write(T.BUY, 1, **buy(book, "3", "20"))
        await book.write(T.SELL, 2, **buy(book, "6", "25"))

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == 0
        assert pos.cost_basis == 0
        assert pos.average_cost == 0
        assert pos.realized_gain == D("60")  # 150 - (30 + 60)

    async def test_oversell_is_rejected_and_nothing_written(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "5", "100"))

        with pytest.raises(ValidationFailed) as caught:
            await book.write(T.SELL, 1, **buy(book, "6", "100"))

        assert "quantity" in caught.value.fields
        assert await book.count() == 1
        pos = await book.position()
        assert pos is not None and pos.quantity == D("5")
        assert await book.cash() == D("0")

    async def test_backdated_sell_before_the_buy_is_an_oversell(self, book: Book) -> None:
        await book.write(T.BUY, 5, **buy(book, "5", "100"))

        with pytest.raises(ValidationFailed) as caught:
            await book.write(T.SELL, 1, **buy(book, "1", "100"))

        assert set(caught.value.fields) == {"quantity"}
        assert await book.count() == 1


class TestSplit:
    async def test_two_for_one_doubles_quantity_keeps_cost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "10", "100"))
        await book.write(
            T.SPLIT, 1, asset_id=book.usd_asset, split_numerator=D(2), split_denominator=D(1)
        )
        await book.write(T.SELL, 2, **buy(book, "5", "60"))

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == D("15")  # 10 * 2 - 5
        assert pos.cost_basis == D("750")  # 1000 - 5/20 * 1000
        assert pos.average_cost == D("50")
        assert pos.realized_gain == D("50")  # 5 * 60 - 250

    async def test_one_for_ten_reverse_split(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "25", "4"))
        await book.write(
            T.SPLIT, 1, asset_id=book.usd_asset, split_numerator=D(1), split_denominator=D(10)
        )

        pos = await book.position()
        assert pos is not None
        assert pos.quantity == D("2.5")
        assert pos.cost_basis == D("100")
        assert pos.average_cost == D("40")

    @pytest.mark.parametrize(
        ("num", "den", "field"), [(0, 1, "split_numerator"), (2, -1, "split_denominator")]
    )
    async def test_non_positive_ratio_is_rejected(
        self, book: Book, num: int, den: int, field: str
    ) -> None:
        await book.write(T.BUY, 0, **buy(book, "10", "100"))

        with pytest.raises(ValidationFailed) as caught:
            await book.write(
                T.SPLIT,
                1,
                asset_id=book.usd_asset,
                split_numerator=D(num),
                split_denominator=D(den),
            )

        assert set(caught.value.fields) == {field}
        assert await book.count() == 1
        pos = await book.position()
        assert pos is not None and pos.quantity == D("10")


class TestRejected:
    async def test_currency_not_matching_the_asset(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(
                T.BUY, 0, asset_id=book.eur_asset, quantity=D(1), price=D(100), currency="USD"
            )

        assert caught.value.fields == {"currency": "must be the asset's currency EUR"}
        assert await book.count() == 0
        assert await book.position(book.eur_asset) is None

    async def test_unknown_asset(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(T.BUY, 0, asset_id=10_000, quantity=D(1), price=D(1))

        assert set(caught.value.fields) == {"asset_id"}
        assert await book.count() == 0

    async def test_unknown_account(self, book: Book) -> None:
        tx = Transaction(
            account_id=10_000, type=T.DEPOSIT, amount=D(5), currency="USD", executed_at=DAY0
        )
        with pytest.raises(ValidationFailed) as caught:
            async with book.sessions.begin() as session:
                await apply_transaction(session, tx)

        assert set(caught.value.fields) == {"account_id"}
        assert await book.count() == 0

    async def test_several_bad_fields_are_named_together(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(
                T.BUY,
                400_000,
                asset_id=book.usd_asset,
                quantity=D(-1),
                price=D(-2),
                fee=D(-3),
            )

        assert set(caught.value.fields) == {"executed_at", "quantity", "price", "fee"}
        assert await book.count() == 0

    async def test_dividend_on_asset_never_held(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(T.DIVIDEND, 0, asset_id=book.usd_asset, amount=D("3.5"))

        assert set(caught.value.fields) == {"asset_id"}
        assert await book.count() == 0

    async def test_split_of_asset_never_held(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(
                T.SPLIT, 0, asset_id=book.usd_asset, split_numerator=D(2), split_denominator=D(1)
            )

        assert caught.value.fields == {"asset_id": "split on an asset not held before it"}
        assert await book.count() == 0


class TestCashAndIncome:
    async def test_deposit_dividend_and_fee_move_cash(self, book: Book) -> None:
        await book.write(T.DEPOSIT, 0, amount=D("5000"))
        await book.write(T.BUY, 1, **buy(book, "10", "100", fee="1.5"))
        await book.write(T.DIVIDEND, 2, asset_id=book.usd_asset, amount=D("8"), fee=D("1.2"))
        await book.write(T.FEE, 3, amount=D("2.25"))
        await book.write(T.WITHDRAWAL, 4, amount=D("100"))

        assert await book.cash() == D("3903.05")  # 5000 - 1001.5 + 6.8 - 2.25 - 100
        pos = await book.position()
        assert pos is not None
        assert pos.dividends == D("8")
        assert pos.fees == D("1.2")  # the purchase fee is in the cost basis instead


class TestCorrections:
    async def test_delete_that_would_leave_an_oversell_is_rejected(self, book: Book) -> None:
        first = await book.write(T.BUY, 0, **buy(book, "5", "100"))
        await book.write(T.SELL, 1, **buy(book, "5", "110"))

        with pytest.raises(ValidationFailed):
            async with book.sessions.begin() as session:
                await delete_transaction(session, await session.get_one(Transaction, first.id))

        assert await book.count() == 2

    async def test_delete_recomputes_position_and_cash(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "5", "100"))
        second = await book.write(T.BUY, 1, **buy(book, "5", "200"))

        async with book.sessions.begin() as session:
            await delete_transaction(session, await session.get_one(Transaction, second.id))

        pos = await book.position()
        assert pos is not None and (pos.quantity, pos.cost_basis) == (D("5"), D("500"))
        assert await book.cash() == D("0")

    async def test_moving_a_trade_to_another_asset_recomputes_both(self, book: Book) -> None:
        tx = await book.write(T.BUY, 0, **buy(book, "5", "100"))

        async with book.sessions.begin() as session:
            row = await session.get_one(Transaction, tx.id)
            row.asset_id, row.currency = book.eur_asset, "EUR"
            await apply_transaction(session, row)

        assert await book.position() is None
        moved = await book.position(book.eur_asset)
        assert moved is not None and moved.quantity == D("5")
        assert await book.cash("USD") is None
        assert await book.cash("EUR") == D("0")

    async def test_recompute_account_rebuilds_what_was_lost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **buy(book, "7", "10", fee="1"))
        await book.write(T.SELL, 1, **buy(book, "2", "12"))
        before = await book.position()
        assert before is not None
        async with book.sessions.begin() as session:
            await session.execute(Position.__table__.delete())
            await session.execute(CashBalance.__table__.delete())
            await recompute_account(session, book.account_id)

        after = await book.position()
        assert after is not None
        assert (after.quantity, after.cost_basis, after.realized_gain) == (
            before.quantity,
            before.cost_basis,
            before.realized_gain,
        )
        assert await book.cash() == D("24")  # 71 funded from outside, then + 24


class TestTradeDateFx:
    """The user's base currency is USD; the only EUR/USD rate is 1.1, three days before DAY0."""

    def eur_buy(self, book: Book) -> dict[str, object]:
        return {"asset_id": book.eur_asset, "quantity": D(2), "price": D(50), "currency": "EUR"}

    async def test_rate_carried_over_the_weekend_gives_base_cost(self, book: Book) -> None:
        await book.write(T.BUY, 0, **self.eur_buy(book))
        await book.write(T.BUY, 1, **buy(book, "1", "10"))

        eur, usd = await book.position(book.eur_asset), await book.position()
        assert eur is not None and usd is not None
        assert (eur.cost_basis, eur.cost_basis_base) == (D(100), D("110"))  # 100 EUR * 1.1
        assert usd.cost_basis_base == D(10)  # already in the base currency

    async def test_missing_rate_is_refused_and_nothing_written(self, book: Book) -> None:
        with pytest.raises(ValidationFailed) as caught:
            await book.write(T.BUY, 30, **self.eur_buy(book))  # 33 days after the last rate

        assert set(caught.value.fields) == {"executed_at"}
        assert "EUR->USD" in caught.value.fields["executed_at"]
        assert await book.count() == 0
        assert await book.position(book.eur_asset) is None

    async def test_a_trade_of_the_last_days_takes_the_newest_rate(self, book: Book) -> None:
        recent = (datetime.now(UTC) - DAY0).days - 2
        await book.write(T.BUY, recent, **self.eur_buy(book))

        eur = await book.position(book.eur_asset)
        assert eur is not None and eur.cost_basis_base == D("110")


class TestPick:
    POINTS = ((date(2024, 1, 5), D("1.1")), (date(2024, 1, 8), D("1.2")))

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2024, 1, 4), None),  # before any rate
            (date(2024, 1, 6), D("1.1")),  # Saturday: Friday's rate
            (date(2024, 1, 8), D("1.2")),
            (date(2024, 1, 15), D("1.2")),  # seven days on: still carried
            (date(2024, 1, 16), None),  # eight days: missing
        ],
    )
    def test_window(self, day: date, expected: D | None) -> None:
        assert pick(self.POINTS, day, today=date(2025, 1, 1)) == expected

    def test_recent_trade_takes_the_newest_rate(self) -> None:
        assert pick(self.POINTS, date(2024, 3, 1), today=date(2024, 3, 3)) == D("1.2")
