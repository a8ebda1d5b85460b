"""The current user as the API shows it, and what they may change."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, field_validator

from pulsefolio.core.domain import Role
from pulsefolio.core.money import is_currency


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    base_currency: str
    role: Role
    created_at: datetime


class MeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_currency: str | None = None

    @field_validator("base_currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if not is_currency(value):
            raise ValueError("expected a three-letter currency code such as USD")
        return value
