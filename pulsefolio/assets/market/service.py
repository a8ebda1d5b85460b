"""The rules behind the market routes: manual prices (also from CSV), source lists, status."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets import repository
from pulsefolio.assets.market.schemas import ManualPrices, SourceList
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.assets.selection import FUTURE_TOLERANCE, SourceRef
from pulsefolio.assets.sources.manual import parse_manual_csv
from pulsefolio.assets.sources.registry import SOURCES
from pulsefolio.assets.writer import PriceWriter
from pulsefolio.core.db.models import Asset
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.errors import PulsefolioError, ValidationFailed

MANUAL = "manual"


class UnsupportedMediaType(PulsefolioError):
    status_code = 415


def _manual_quote(assets: Mapping[str, Asset], symbol: str, price: Decimal,
                  currency: str | None, as_of: datetime, now: datetime,
                  previous_close: Decimal | None = None,
                  ) -> PriceQuote | tuple[str, str]:  # fmt: skip
    """The quote to store for an entered price, or why not as ``(field, reason)``."""
    asset = assets.get(symbol)
    if asset is None:
        return "symbol", f"no asset {symbol!r}"
    if currency is not None and currency != asset.currency:
        return "currency", f"{symbol} is priced in {asset.currency}"
    if as_of > now + FUTURE_TOLERANCE:
        return "as_of", "as_of is in the future"
    if not in_utc_range(as_of):
        return "as_of", "as_of is out of range"
    return PriceQuote(symbol, price, asset.currency, as_of, now, MANUAL, previous_close)


def in_utc_range(moment: datetime) -> bool:
    """Whether ``moment`` has a UTC equivalent (``0001-01-01T00:00+05:00`` has none)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


async def _write_manual(writer: PriceWriter, assets: Mapping[str, Asset],
                        quotes: list[PriceQuote]) -> dict[str, Any]:  # fmt: skip
    """One batch with source ``manual``: history, cache (newer-only) and stream, like a cycle."""
    written = await writer.write({s: a.id for s, a in assets.items()}, quotes, [])
    return {"accepted": len(quotes), "changed": written.changed_prices,
            "history_rows": written.history_rows}  # fmt: skip


async def set_manual_prices(loop: RefreshLoop, body: ManualPrices) -> dict[str, Any]:
    """Validate every row against its asset, then write them all as one batch."""
    now = datetime.now(UTC)
    symbols = [row.symbol for row in body.prices]
    assets = await repository.assets_by_symbol(loop.engine, symbols)
    errors: dict[str, str] = {}
    quotes: list[PriceQuote] = []
    for index, row in enumerate(body.prices):
        found = _manual_quote(assets, row.symbol, row.price, row.currency, row.as_of or now, now,
                              row.previous_close)  # fmt: skip
        if isinstance(found, PriceQuote):
            quotes.append(found)
        else:
            errors[f"prices.{index}.{found[0]}"] = found[1]
    if len(set(symbols)) != len(symbols):
        errors["prices"] = "a symbol appears twice"
    if errors:
        raise ValidationFailed("invalid manual prices", errors)
    return await _write_manual(loop.writer, assets, quotes)


async def import_manual_csv(engine: AsyncEngine, writer: PriceWriter, text: str) -> dict[str, Any]:
    """Store every price of a CSV file (header ``symbol,price,currency,as_of``, optionally
    ``previous_close``) or none.

    Returns what :func:`set_manual_prices` returns. Raises ValidationFailed, with ``fields``
    keyed ``row <line>`` (the header is line 1), naming every bad row in one report: the
    malformed ones, and the well-formed ones that do not fit their asset (unknown symbol,
    another currency than the asset's, in the future).
    """
    now = datetime.now(UTC)
    prices, bad = parse_manual_csv(text, now=now)
    errors = {f"row {error.row}": error.reason for error in bad}
    if not prices and not errors:
        raise ValidationFailed("the file holds no prices", {"row 2": "no rows after the header"})
    assets = await repository.assets_by_symbol(engine, [price.symbol for price in prices])
    quotes: list[PriceQuote] = []
    for price in prices:
        found = _manual_quote(assets, price.symbol, price.price, price.currency, price.as_of, now,
                              price.previous_close)  # fmt: skip
        if isinstance(found, PriceQuote):
            quotes.append(found)
        else:
            errors[f"row {price.row}"] = found[1]
    if errors:
        raise ValidationFailed(f"{len(errors)} bad rows; nothing was stored", errors)
    return await _write_manual(writer, assets, quotes)


async def set_sources(loop: RefreshLoop, symbol: str, body: SourceList) -> list[dict[str, str]]:
    """Replace an asset's ordered source list; names must be sources this service knows."""
    known = set(loop.selector.sources) | set(SOURCES)
    errors = {
        f"sources.{i}.source": f"unknown source {e.source!r}; known: {', '.join(sorted(known))}"
        for i, e in enumerate(body.sources)
        if e.source not in known
    }
    if len({e.source for e in body.sources}) != len(body.sources):
        errors["sources"] = "a source appears twice"
    if errors:
        raise ValidationFailed("invalid source list", errors)
    refs = [SourceRef(e.source, e.provider_symbol) for e in body.sources]
    await repository.replace_sources(loop.engine, symbol, refs)
    return [{"source": r.source, "provider_symbol": r.provider_symbol} for r in refs]


async def source_status(loop: RefreshLoop) -> dict[str, Any]:
    """Each source's health as the fetching process last reported it, plus the last cycle.

    Read from Redis, so every process (leading or not) answers the same; sources never asked
    yet are listed as healthy with empty figures.
    """
    sources, cycle = await loop.board.read() if loop.board else ([], None)
    if not sources:
        sources, cycle = loop.health.snapshot(), (loop.last_report.as_dict()
                                                  if loop.last_report else None)  # fmt: skip
    seen = {entry["name"] for entry in sources}
    for name in sorted(set(loop.selector.sources) - seen):
        sources.append(loop.health.status(name).snapshot(0.0, datetime.now(UTC)))
    sources.sort(key=lambda entry: entry["name"])
    return {"sources": sources, "cycle": cycle, "leader": loop.leading}
