"""Rules of assets: anyone signed in may search; only admins create or edit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.core.db.models import Asset
from pulsefolio.core.errors import Conflict, NotFound, ValidationFailed
from pulsefolio.portfolio.assets import repository, schemas


def _source_pairs(sources: list[schemas.AssetSourceIn]) -> list[tuple[str, str]]:
    pairs = [(s.source.strip().lower(), s.provider_symbol.strip()) for s in sources]
    if len({source for source, _ in pairs}) != len(pairs):
        raise ValidationFailed("sources: a source appears twice", {"sources": "duplicate source"})
    return pairs


class AssetService:
    async def search(
        self, session: AsyncSession, q: str | None, limit: int, offset: int
    ) -> list[Asset]:
        return await repository.search(session, q, limit, offset)

    async def get(self, session: AsyncSession, asset_id: int) -> schemas.AssetDetail:
        asset = await session.get(Asset, asset_id)
        if asset is None:
            raise NotFound("no such asset")
        return await self._detail(session, asset)

    async def prices(
        self, session: AsyncSession, asset_id: int, start: date | None, end: date | None
    ) -> schemas.AssetPrices:
        """The asset's last price of each day from ``start`` (default: a year before ``end``)
        to ``end`` (default: today, UTC); ValidationFailed for a range that ends first."""
        asset = await session.get(Asset, asset_id)
        if asset is None:
            raise NotFound("no such asset")
        end = end or datetime.now(UTC).date()
        start = start or end - timedelta(days=365)
        if end < start:
            raise ValidationFailed("end: must not be before start", {"end": "before start"})
        rows = await repository.daily_prices(session, asset_id, start, end)
        points = [
            schemas.PricePoint(date=day, price=price, as_of=as_of, source=source)
            for day, price, as_of, source in rows
        ]
        return schemas.AssetPrices(
            asset_id=asset.id, symbol=asset.symbol, currency=asset.currency,
            start=start, end=end, points=points,
        )  # fmt: skip

    async def create(self, session: AsyncSession, body: schemas.AssetCreate) -> schemas.AssetDetail:
        """Create an asset; Conflict if the symbol exists."""
        pairs = _source_pairs(body.sources)
        if await repository.by_symbol(session, body.symbol) is not None:
            raise Conflict(f"asset {body.symbol} already exists")
        asset = Asset(**body.model_dump(exclude={"sources"}))
        session.add(asset)
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict(f"asset {body.symbol} already exists") from exc
        await repository.replace_sources(session, asset.id, pairs)
        await session.commit()
        return await self._detail(session, asset)

    async def update(
        self, session: AsyncSession, asset_id: int, body: schemas.AssetUpdate
    ) -> schemas.AssetDetail:
        asset = await session.get(Asset, asset_id, with_for_update=True)
        if asset is None:
            raise NotFound("no such asset")
        changes = body.model_dump(exclude_unset=True, exclude={"sources"})
        for name, value in changes.items():
            if value is None and name in ("name", "asset_class"):
                raise ValidationFailed(f"{name}: may not be null", {name: "may not be null"})
            setattr(asset, name, value)
        if body.sources is not None:
            await repository.replace_sources(session, asset.id, _source_pairs(body.sources))
        await session.commit()
        return await self._detail(session, asset)

    async def _detail(self, session: AsyncSession, asset: Asset) -> schemas.AssetDetail:
        sources = await repository.sources_of(session, asset.id)
        return schemas.AssetDetail(
            **schemas.Asset.model_validate(asset).model_dump(),
            sources=[schemas.AssetSource.model_validate(s) for s in sources],
        )


assets = AssetService()
