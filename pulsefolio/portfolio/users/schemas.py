"""The current user as the API shows it, and what they may change."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pulsefolio.core.domain import Role
from pulsefolio.core.schemas import CurrencyCode, RequestBody


class Me(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    base_currency: str
    role: Role
    created_at: datetime


class MeUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    base_currency: CurrencyCode | None = None
