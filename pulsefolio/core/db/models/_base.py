"""The declarative base, its one metadata, and the column types every table shares.

Constraint and index names follow one convention so Alembic migrations can name them.
Numeric precisions come from :mod:`pulsefolio.core.money`; no column holds a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import DateTime, Enum, MetaData, Numeric, String, func
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.orm.properties import MappedColumn

from pulsefolio.core.money import MONEY_NUMERIC, PRICE_NUMERIC, QUANTITY_NUMERIC, RATE_NUMERIC

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


E = TypeVar("E", bound=StrEnum)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def money_type() -> Numeric[Decimal]:
    return Numeric(*MONEY_NUMERIC, asdecimal=True)


def quantity_type() -> Numeric[Decimal]:
    return Numeric(*QUANTITY_NUMERIC, asdecimal=True)


def price_type() -> Numeric[Decimal]:
    return Numeric(*PRICE_NUMERIC, asdecimal=True)


def rate_type() -> Numeric[Decimal]:
    return Numeric(*RATE_NUMERIC, asdecimal=True)


def currency_type() -> String:
    return String(3)


def timestamp_type() -> DateTime:
    return DateTime(timezone=True)


def created_at() -> MappedColumn[datetime]:
    return mapped_column(timestamp_type(), server_default=func.now(), nullable=False)


def enum_type(enum_cls: type[E], name: str) -> Enum:
    """A VARCHAR holding the enum's values (not names), guarded by a CHECK constraint.

    Not a native PostgreSQL enum: adding a member is then a constraint change, not a type change.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
