"""What travels on the stream: price, FX and position events, as compact JSON.

Decimals travel as strings and timestamps as ISO 8601 with offset, so no consumer ever sees a
float or a naive time. ``dedup_id`` is the identity the stream deduplicates on: the same quote
published twice (a re-published cycle) is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from pulsefolio.core.domain import FxRate, PriceQuote


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"naive timestamp {value!r}")
    return parsed


def _optional_decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def encode_quote(quote: PriceQuote) -> bytes:
    return orjson.dumps(
        {
            "symbol": quote.symbol,
            "price": str(quote.price),
            "currency": quote.currency,
            "as_of": quote.as_of.isoformat(),
            "fetched_at": quote.fetched_at.isoformat(),
            "source": quote.source,
            "previous_close": None if quote.previous_close is None else str(quote.previous_close),
        }
    )


def decode_quote(data: bytes | str) -> PriceQuote:
    raw = orjson.loads(data)
    return PriceQuote(
        symbol=raw["symbol"],
        price=Decimal(raw["price"]),
        currency=raw["currency"],
        as_of=_time(raw["as_of"]),
        fetched_at=_time(raw["fetched_at"]),
        source=raw["source"],
        previous_close=_optional_decimal(raw.get("previous_close")),
    )


def quote_dedup_id(quote: PriceQuote) -> str:
    return f"price:{quote.symbol}:{quote.as_of.isoformat()}:{quote.source}"


def encode_fx(rate: FxRate) -> bytes:
    return orjson.dumps(
        {
            "base": rate.base,
            "quote": rate.quote,
            "rate": str(rate.rate),
            "as_of": rate.as_of.isoformat(),
            "fetched_at": rate.fetched_at.isoformat(),
            "source": rate.source,
        }
    )


def decode_fx(data: bytes | str) -> FxRate:
    raw = orjson.loads(data)
    return FxRate(
        base=raw["base"],
        quote=raw["quote"],
        rate=Decimal(raw["rate"]),
        as_of=_time(raw["as_of"]),
        fetched_at=_time(raw["fetched_at"]),
        source=raw["source"],
    )


def fx_dedup_id(rate: FxRate) -> str:
    return f"fx:{rate.pair}:{rate.as_of.isoformat()}:{rate.source}"


@dataclass(frozen=True, slots=True)
class PositionChanged:
    """A write changed a user's positions; every portfolio instance reloads that user."""

    user_id: int
    account_id: int
    change_id: str

    def encode(self) -> bytes:
        return orjson.dumps(
            {"user_id": self.user_id, "account_id": self.account_id, "change_id": self.change_id}
        )

    @classmethod
    def decode(cls, data: bytes | str) -> PositionChanged:
        raw = orjson.loads(data)
        return cls(int(raw["user_id"]), int(raw["account_id"]), str(raw["change_id"]))
