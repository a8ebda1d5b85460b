"""Request and response models of assets and their price sources."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulsefolio.core.domain import AssetClass
from pulsefolio.core.schemas import CurrencyCode
from pulsefolio.portfolio.transactions.decimals import DecimalOut

_ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


def _isin(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().upper()
    if not _ISIN.match(value):
        raise ValueError("expected a 12-character ISIN such as US0378331005")
    return value


class AssetSourceIn(BaseModel):
    """One price source for the asset; the list order is the fallback order."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=32)
    provider_symbol: str = Field(min_length=1, max_length=64)


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    asset_class: AssetClass
    currency: CurrencyCode
    exchange: str | None = Field(None, max_length=32)
    isin: str | None = None
    sources: list[AssetSourceIn] = Field(default_factory=list)

    _check_isin = field_validator("isin")(_isin)

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        return value.strip().upper()


class AssetUpdate(BaseModel):
    """The currency is fixed once created: every transaction of the asset is in it."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=300)
    asset_class: AssetClass | None = None
    exchange: str | None = Field(None, max_length=32)
    isin: str | None = None
    sources: list[AssetSourceIn] | None = None

    _check_isin = field_validator("isin")(_isin)


class AssetSource(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str
    provider_symbol: str
    priority: int


class Asset(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    symbol: str
    name: str
    asset_class: AssetClass
    currency: str
    exchange: str | None
    isin: str | None


class AssetDetail(Asset):
    sources: list[AssetSource]


class PricePoint(BaseModel):
    """The last price recorded on a day (UTC), from whichever source gave it."""

    date: date
    price: DecimalOut
    as_of: datetime
    source: str


class AssetPrices(BaseModel):
    asset_id: int
    symbol: str
    currency: str
    start: date
    end: date
    points: list[PricePoint]
