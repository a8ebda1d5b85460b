"""Request and response models of assets and their price sources."""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from pulsefolio.core.domain import AssetClass
from pulsefolio.core.schemas import CurrencyCode, RequestBody
from pulsefolio.portfolio.transactions.decimals import DecimalOut

ISIN_PATTERN = r"^[A-Za-z]{2}[A-Za-z0-9]{9}[0-9]$"
_ISIN = re.compile(ISIN_PATTERN)
_ISIN_FIELD: JsonDict = {"pattern": ISIN_PATTERN, "examples": ["US0378331005"]}


def _isin(value: str | None) -> str | None:
    if value is None:
        return None
    if not _ISIN.match(value):
        raise ValueError("expected a 12-character ISIN such as US0378331005")
    return value.upper()


class AssetSourceIn(RequestBody):
    """One price source for the asset; the list order is the fallback order."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=32)
    provider_symbol: str = Field(min_length=1, max_length=64)


class AssetCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    asset_class: AssetClass
    currency: CurrencyCode
    exchange: str | None = Field(None, max_length=32)
    isin: str | None = Field(None, json_schema_extra=_ISIN_FIELD)
    sources: list[AssetSourceIn] = Field(default_factory=list)

    _check_isin = field_validator("isin")(_isin)

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, value: str) -> str:
        return value.strip().upper()


class AssetUpdate(RequestBody):
    """The currency is fixed once created: every transaction of the asset is in it."""

    model_config = ConfigDict(extra="forbid")

    # may be left out but not set to null (the service says so): documented without null
    name: str | SkipJsonSchema[None] = Field(None, min_length=1, max_length=300)
    asset_class: AssetClass | SkipJsonSchema[None] = None
    exchange: str | None = Field(None, max_length=32)
    isin: str | None = Field(None, json_schema_extra=_ISIN_FIELD)
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
