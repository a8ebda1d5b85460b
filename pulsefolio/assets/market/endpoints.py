"""Routes of the asset service under ``/api/v1/market/``; each parses, calls, returns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from pulsefolio.assets.market import fx, metrics, service
from pulsefolio.assets.market.auth import require_admin
from pulsefolio.assets.market.schemas import ManualPrices, Quote, SourceList
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.core.errors import NotFound, ValidationFailed
from pulsefolio.core.openapi import content, errors
from pulsefolio.core.schemas import Text
from pulsefolio.core.tokens import TokenClaims

Admin = Annotated[TokenClaims, Depends(require_admin)]

router = APIRouter(prefix="/api/v1/market", tags=["market"])
# Prometheus scrapes a service at the bare ``/metrics``; the gateway reaches the same page
# under the service's prefix.
metrics_router = APIRouter(tags=["metrics"])

CSV_BODY = {
    "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
}
REFRESHED: dict[int | str, dict[str, Any]] = {
    200: {"description": "With ``wait=true``: the cycle's report"}
}
METRICS = content("text/plain", "Prometheus text exposition")


def _loop(request: Request) -> RefreshLoop:
    loop: RefreshLoop = request.state.refresh
    return loop


@router.get("/sources")
async def sources(request: Request) -> dict[str, Any]:
    return await service.source_status(_loop(request))


@router.get("/quotes/{symbol}")
async def quote(request: Request, symbol: Text) -> Quote:
    found = (await _loop(request).cache.get_prices([symbol])).get(symbol)
    if found is None:
        raise NotFound(f"no price for {symbol!r}")
    return Quote.of(found, datetime.now(UTC))


@router.put("/manual-prices")
async def manual_prices(request: Request, body: ManualPrices, _: Admin) -> dict[str, Any]:
    return await service.set_manual_prices(_loop(request), body)


@router.put("/manual-fx")
async def manual_fx(request: Request, body: fx.ManualFxRates, _: Admin) -> dict[str, Any]:
    """Store admin-entered FX rates (all or none): the trade-date rates of the ledger."""
    return await fx.set_manual_fx(_loop(request).writer, body)


@router.post("/manual-prices/csv", responses=errors(415, 422), openapi_extra=CSV_BODY)
async def manual_prices_csv(request: Request, _: Admin) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "text/csv":
        raise service.UnsupportedMediaType("send the file as text/csv")
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the file is not UTF-8 text", {"body": "not valid UTF-8"}) from exc
    loop = _loop(request)
    return await service.import_manual_csv(loop.engine, loop.writer, text)


@router.put("/assets/{symbol}/sources")
async def asset_sources(
    request: Request, symbol: Text, body: SourceList, _: Admin
) -> dict[str, Any]:
    return {"symbol": symbol, "sources": await service.set_sources(_loop(request), symbol, body)}


@router.post("/refresh", status_code=202, responses=REFRESHED)
async def refresh(
    request: Request, response: Response, _: Admin, wait: bool = False
) -> dict[str, Any]:
    """Schedule a cycle (202); with ``?wait=true`` run it now and answer its report (200).

    A cycle over many assets and slow providers can outlast any sensible request timeout, so
    waiting is for scripts and tests that talk to the service directly.
    """
    loop = _loop(request)
    if wait:
        response.status_code = 200
        return (await loop.run_once()).as_dict()
    return {"scheduled": loop.request_cycle()}


@metrics_router.get("/metrics", response_class=PlainTextResponse, responses=METRICS)
@metrics_router.get("/api/v1/market/metrics", response_class=PlainTextResponse, responses=METRICS)
async def metrics_page(request: Request) -> PlainTextResponse:
    loop = _loop(request)
    status = await service.source_status(loop)
    prices = await loop.cache.get_prices()
    text = metrics.render(status["sources"], status["cycle"],
                          (q.as_of for q in prices.values()), loop.leading)  # fmt: skip
    return PlainTextResponse(text, media_type=metrics.CONTENT_TYPE)
