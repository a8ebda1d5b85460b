"""The asset service's queries: what to price, and the price history it appends to.

History writes are bulk ``INSERT ... ON CONFLICT DO NOTHING`` on the primary key
``(asset_id, as_of, source)``, so a cycle run twice stores every price once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.assets.selection import AssetPlan, SourceRef
from pulsefolio.assets.sources.base import FxPair
from pulsefolio.core.db.models import Asset, AssetSource, FxRate, PriceHistory, User
from pulsefolio.core.domain import AssetClass, PriceQuote
from pulsefolio.core.domain import FxRate as FxQuote
from pulsefolio.core.errors import NotFound

_CHUNK = 1000


async def load_plans(engine: AsyncEngine, default_sources: Sequence[str]) -> list[AssetPlan]:
    """Every priced asset with its sources by priority; one without any gets ``default_sources``.

    Cash is left out: its price is one by definition.
    """
    query = (
        select(Asset.id, Asset.symbol, Asset.currency, Asset.asset_class,
               AssetSource.source, AssetSource.provider_symbol)
        .outerjoin(AssetSource, AssetSource.asset_id == Asset.id)
        .where(Asset.asset_class != AssetClass.CASH)
        .order_by(Asset.symbol, AssetSource.priority, AssetSource.id)
    )  # fmt: skip
    plans: dict[str, tuple[int, str, AssetClass, list[SourceRef]]] = {}
    async with engine.connect() as conn:
        for asset_id, symbol, currency, asset_class, source, provider_symbol in await conn.execute(
            query
        ):
            entry = plans.setdefault(symbol, (asset_id, currency, AssetClass(asset_class), []))
            if source is not None:
                entry[3].append(SourceRef(source, provider_symbol))
    return [
        AssetPlan(asset_id, symbol, currency, asset_class,
                  tuple(refs) or tuple(SourceRef(name, symbol) for name in default_sources))
        for symbol, (asset_id, currency, asset_class, refs) in plans.items()
    ]  # fmt: skip


async def fx_pairs(engine: AsyncEngine, anchor: str = "USD") -> list[FxPair]:
    """The rates valuations need: every asset currency into every user base currency, and
    every currency in use against ``anchor``, so any cross rate can be derived."""
    async with engine.connect() as conn:
        assets = set((await conn.execute(select(Asset.currency).distinct())).scalars())
        bases = set((await conn.execute(select(User.base_currency).distinct())).scalars())
    wanted = {(a, b) for a in assets for b in bases if a != b}
    wanted |= {(c, anchor) for c in assets | bases if c != anchor}
    return [FxPair(base, quote) for base, quote in sorted(wanted)]


async def insert_history(engine: AsyncEngine, rows: Sequence[tuple[int, PriceQuote]]) -> int:
    """Append ``(asset_id, quote)`` rows; return how many were new."""
    written = 0
    async with engine.begin() as conn:
        for start in range(0, len(rows), _CHUNK):
            values = [
                {"asset_id": asset_id, "as_of": q.as_of, "source": q.source, "price": q.price,
                 "currency": q.currency, "previous_close": q.previous_close,
                 "fetched_at": q.fetched_at}
                for asset_id, q in rows[start : start + _CHUNK]
            ]  # fmt: skip
            result = await conn.execute(
                insert(PriceHistory).values(values).on_conflict_do_nothing().returning(
                    PriceHistory.asset_id)
            )  # fmt: skip
            written += len(result.all())
    return written


async def insert_fx(engine: AsyncEngine, quotes: Sequence[FxQuote]) -> int:
    """Append FX rates, idempotent on (base, quote, as_of, source); return how many were new."""
    if not quotes:
        return 0
    values = [
        {"base": q.base, "quote": q.quote, "as_of": q.as_of, "source": q.source, "rate": q.rate,
         "fetched_at": q.fetched_at}
        for q in quotes
    ]  # fmt: skip
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(FxRate).values(values).on_conflict_do_nothing().returning(FxRate.base)
        )
        return len(result.all())


async def asset_id(engine: AsyncEngine, symbol: str) -> int:
    async with engine.connect() as conn:
        found = await conn.scalar(select(Asset.id).where(Asset.symbol == symbol))
    if found is None:
        raise NotFound(f"no asset {symbol!r}")
    return int(found)


async def asset_sources(engine: AsyncEngine, symbol: str) -> list[SourceRef]:
    identifier = await asset_id(engine, symbol)
    query = (
        select(AssetSource.source, AssetSource.provider_symbol)
        .where(AssetSource.asset_id == identifier)
        .order_by(AssetSource.priority, AssetSource.id)
    )
    async with engine.connect() as conn:
        return [SourceRef(s, p) for s, p in await conn.execute(query)]


async def replace_sources(engine: AsyncEngine, symbol: str, refs: Sequence[SourceRef]) -> None:
    """Make ``refs`` the asset's source list, first tried first, in one transaction."""
    identifier = await asset_id(engine, symbol)
    async with engine.begin() as conn:
        await conn.execute(delete(AssetSource).where(AssetSource.asset_id == identifier))
        if refs:
            await conn.execute(
                insert(AssetSource),
                [
                    {"asset_id": identifier, "source": ref.source,
                     "provider_symbol": ref.provider_symbol, "priority": index}
                    for index, ref in enumerate(refs)
                ],
            )  # fmt: skip


async def history_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(PriceHistory)) or 0)


async def assets_by_symbol(engine: AsyncEngine, symbols: Sequence[str]) -> dict[str, Asset]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Asset).where(Asset.symbol.in_(set(symbols))))
        return {row.symbol: Asset(id=row.id, symbol=row.symbol, currency=row.currency,
                                  asset_class=row.asset_class, name=row.name)
                for row in rows}  # fmt: skip
