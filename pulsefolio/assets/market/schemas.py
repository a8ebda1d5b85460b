"""Request and response bodies. Prices travel as strings, never as JSON numbers.

An entered price or rate must fit its column as it is: PostgreSQL would round away decimals
beyond the scale, turning a tiny rate into 0 (which its CHECK refuses).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator
from pydantic.config import JsonValue

from pulsefolio.assets.sources.registry import SOURCES
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.money import (
    PRICE_NUMERIC,
    RATE_NUMERIC,
    column_problem,
)
from pulsefolio.core.schemas import DECIMAL_TEXT, RequestBody, decimal_in

CURRENCY_STRICT = r"^[A-Z]{3}$"  # as stored: a pence quote (GBp) is not a currency here


def _decimal_text(
    value: object, numeric: tuple[int, int] = PRICE_NUMERIC, what: str = "price"
) -> Decimal:
    if not isinstance(value, str):
        raise ValueError(f'a {what} must be a string such as "12.34"')
    price = decimal_in(value)
    if price <= 0:
        raise ValueError(f"a {what} must be positive")
    problem = column_problem(price, numeric)
    if problem is not None:
        raise ValueError(f"a {what} {problem}")
    return price


def _rate_text(value: object) -> Decimal:
    return _decimal_text(value, RATE_NUMERIC, "rate")


PriceText = Annotated[Decimal, BeforeValidator(_decimal_text), WithJsonSchema(DECIMAL_TEXT)]
RateText = Annotated[Decimal, BeforeValidator(_rate_text), WithJsonSchema(DECIMAL_TEXT)]


class ManualPrice(RequestBody):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=64)
    price: PriceText
    currency: str | None = Field(None, pattern=CURRENCY_STRICT)
    as_of: datetime | None = None
    previous_close: PriceText | None = None  # the close before as_of: gives a day change

    @field_validator("as_of")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("as_of needs a UTC offset")
        return value


class ManualPrices(RequestBody):
    model_config = ConfigDict(extra="forbid")

    prices: list[ManualPrice] = Field(min_length=1, max_length=10_000)


class SourceEntry(RequestBody):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1,
        max_length=32,
        json_schema_extra={"enum": cast(list[JsonValue], sorted(SOURCES))},
    )
    provider_symbol: str = Field(min_length=1, max_length=64)


class SourceList(RequestBody):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceEntry] = Field(max_length=16)


class Quote(BaseModel):
    symbol: str
    price: str
    currency: str
    as_of: datetime
    fetched_at: datetime
    source: str
    previous_close: str | None
    age_seconds: float

    @classmethod
    def of(cls, quote: PriceQuote, now: datetime) -> Quote:
        return cls(
            symbol=quote.symbol,
            price=str(quote.price),
            currency=quote.currency,
            as_of=quote.as_of,
            fetched_at=quote.fetched_at,
            source=quote.source,
            previous_close=None if quote.previous_close is None else str(quote.previous_close),
            age_seconds=round((now - quote.as_of).total_seconds(), 3),
        )
