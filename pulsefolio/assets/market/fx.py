"""Manual FX rates: an admin enters the rates of days no FX source covered.

Each rate is stored in ``fx_rates`` with source ``manual`` (as of the given time, or now),
through the same writer as a refresh cycle, so the cache and the stream see it too; the
portfolio service reads these rows as trade-date rates. All rows or none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field

from pulsefolio.assets.market.schemas import RateText
from pulsefolio.assets.market.service import in_utc_range
from pulsefolio.assets.selection import FUTURE_TOLERANCE
from pulsefolio.assets.writer import PriceWriter
from pulsefolio.core.domain import FxRate
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.schemas import CurrencyCode, RequestBody

MANUAL = "manual"


class ManualFxRate(RequestBody):
    """``rate`` units of ``quote`` per one ``base`` at ``as_of``."""

    model_config = ConfigDict(extra="forbid")

    base: CurrencyCode
    quote: CurrencyCode
    rate: RateText
    as_of: AwareDatetime | None = None


class ManualFxRates(RequestBody):
    model_config = ConfigDict(extra="forbid")

    rates: list[ManualFxRate] = Field(min_length=1, max_length=10_000)


async def set_manual_fx(writer: PriceWriter, body: ManualFxRates) -> dict[str, Any]:
    """Check every row (distinct currencies, not in the future, no pair and time twice),
    then write them all as one batch; ValidationFailed names each bad row's field."""
    now = datetime.now(UTC)
    errors: dict[str, str] = {}
    rates: list[FxRate] = []
    seen: set[tuple[str, str, datetime]] = set()
    for index, row in enumerate(body.rates):
        as_of = row.as_of or now
        if row.base == row.quote:
            errors[f"rates.{index}.quote"] = "must differ from base"
        if as_of > now + FUTURE_TOLERANCE:
            errors[f"rates.{index}.as_of"] = "is in the future"
        elif not in_utc_range(as_of):
            errors[f"rates.{index}.as_of"] = "is out of range"
        key = (row.base, row.quote, as_of)
        if key in seen:
            errors[f"rates.{index}"] = "this pair and time appear twice"
        seen.add(key)
        rates.append(FxRate(row.base, row.quote, row.rate, as_of, now, MANUAL))
    if errors:
        raise ValidationFailed("invalid manual FX rates", errors)
    written = await writer.write({}, [], rates)
    return {"accepted": len(rates), "fx_rows": written.fx_rows, "changed": written.changed_fx}
