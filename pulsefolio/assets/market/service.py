"""The rules behind the market routes: manual prices, source lists, status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pulsefolio.assets import repository
from pulsefolio.assets.market.schemas import ManualPrices, SourceList
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.assets.selection import FUTURE_TOLERANCE, SourceRef
from pulsefolio.assets.sources.registry import SOURCES
from pulsefolio.core.db.models import Asset
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.errors import ValidationFailed

MANUAL = "manual"


async def set_manual_prices(loop: RefreshLoop, body: ManualPrices) -> dict[str, Any]:
    """Validate every row against its asset, then write them all as one batch (source
    ``manual``): history, cache (newer-only) and stream, like a refresh cycle."""
    now = datetime.now(UTC)
    symbols = [row.symbol for row in body.prices]
    assets = await repository.assets_by_symbol(loop.engine, symbols)
    errors: dict[str, str] = {}
    quotes: list[PriceQuote] = []
    for index, row in enumerate(body.prices):
        asset: Asset | None = assets.get(row.symbol)
        if asset is None:
            errors[f"prices.{index}.symbol"] = f"no asset {row.symbol!r}"
            continue
        if row.currency is not None and row.currency != asset.currency:
            errors[f"prices.{index}.currency"] = f"{row.symbol} is priced in {asset.currency}"
            continue
        as_of = row.as_of or now
        if as_of > now + FUTURE_TOLERANCE:
            errors[f"prices.{index}.as_of"] = "as_of is in the future"
            continue
        quotes.append(PriceQuote(row.symbol, row.price, asset.currency, as_of, now, MANUAL))
    if len(set(symbols)) != len(symbols):
        errors["prices"] = "a symbol appears twice"
    if errors:
        raise ValidationFailed("invalid manual prices", errors)
    written = await loop.writer.write({s: a.id for s, a in assets.items()}, quotes, [])
    return {"accepted": len(quotes), "changed": written.changed_prices,
            "history_rows": written.history_rows}  # fmt: skip


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
