"""A user's target allocation: weights in percent per dimension, and how far drift may go.

``dimension`` is ``asset_class``, ``currency`` or ``holding``; ``key`` is the asset class name,
the currency code, or the asset id (``cash`` for all cash in the holding dimension). The weights
of one user's dimension sum to 100 exactly; the service refuses anything else.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from pulsefolio.core.db.models._base import Base

PERCENT_NUMERIC = (7, 4)
DIMENSIONS = ("asset_class", "currency", "holding")


def percent_type() -> Numeric[Decimal]:
    return Numeric(*PERCENT_NUMERIC, asdecimal=True)


class AllocationTarget(Base):
    __tablename__ = "allocation_targets"
    __table_args__ = (
        CheckConstraint(
            "dimension IN ('asset_class', 'currency', 'holding')", name="dimension_known"
        ),
        CheckConstraint("weight_percent >= 0 AND weight_percent <= 100", name="weight_in_range"),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    weight_percent: Mapped[Decimal] = mapped_column(percent_type())


class AllocationSetting(Base):
    """Per user: drift beyond ``tolerance_percent`` percentage points is flagged."""

    __tablename__ = "allocation_settings"
    __table_args__ = (
        CheckConstraint(
            "tolerance_percent >= 0 AND tolerance_percent <= 100", name="tolerance_in_range"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tolerance_percent: Mapped[Decimal] = mapped_column(percent_type())
