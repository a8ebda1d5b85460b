"""Propagation of a full price refresh: asset writer → stream → every instance → live client.

Each refresh gives every asset a new price with one new ``as_of`` and writes it as the asset
service does: price history and cache first (timed apart as ``store``), then one message per
asset through the stream contract (:meth:`~pulsefolio.core.stream.Stream.publish`). From the
moment the publish starts (``publish``: until the stream acknowledged every message):

* ``instances``: until every instance's ``/api/v1/bench/status`` shows its oldest held price at
  that ``as_of`` (every price applied, every portfolio holding it revalued);
* ``client``: until a WebSocket client on ``/api/v1/portfolio/stream``, through the gateway,
  has received every one of its holdings at that ``as_of``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import numpy as np
import orjson
import websockets

from pulsefolio.assets import repository
from pulsefolio.bench.dataset import ASSETS, SOURCE, asset_currency, asset_prices, asset_symbol
from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.events import encode_quote, quote_dedup_id
from pulsefolio.core.settings import Settings
from pulsefolio.core.stream import Outgoing, Topic, connect_stream

POLL = 0.005
TIMEOUT = 120.0


@dataclass
class _Client:
    """What the live client has seen: each holding's latest price time, and when it came."""

    holdings: set[str] = field(default_factory=set)
    seen: dict[str, str] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self, message: dict) -> None:  # type: ignore[type-arg]
        for row in message.get("holdings", []):
            if row.get("price_as_of"):
                self.seen[row["symbol"]] = row["price_as_of"]
        self.changed.set()

    def reached(self, as_of: datetime) -> bool:
        return not any(_before(self.seen.get(s), as_of) for s in self.holdings)


def _before(text: str | None, as_of: datetime) -> bool:
    return text is None or datetime.fromisoformat(text) < as_of


async def _listen(ws: websockets.ClientConnection, client: _Client) -> None:
    async for raw in ws:
        client.take(orjson.loads(raw))


async def _instances_at(http: httpx.AsyncClient, urls: list[str], as_of: datetime) -> None:
    pending = list(urls)
    while pending:
        answers = await asyncio.gather(*(http.get(f"{u}/api/v1/bench/status") for u in pending))
        pending = [
            u
            for u, r in zip(pending, answers, strict=True)
            if _before(r.json().get("oldest_price_as_of"), as_of)
        ]
        if pending:
            await asyncio.sleep(POLL)


async def _client_at(client: _Client, as_of: datetime) -> None:
    while not client.reached(as_of):
        client.changed.clear()
        await client.changed.wait()


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def summary(times: list[float]) -> dict[str, float]:
    ms = [t * 1000 for t in times]
    return {"p50_ms": _percentile(ms, 50), "p99_ms": _percentile(ms, 99), "max_ms": max(ms)}


async def measure(
    settings: Settings,
    gateway: str,
    instance_urls: list[str],
    token: str,
    refreshes: int,
    admin_token: str,
) -> dict[str, object]:
    """Time ``refreshes`` full refreshes; p50/p99 for the instances and the live client."""
    from pulsefolio.core.db.engine import create_engine

    assert settings.database_url and settings.redis_url and settings.nats_url
    db = create_engine(settings.database_url)
    redis = connect_redis(settings.redis_url)
    stream = await connect_stream(settings.nats_url, settings.namespace, settings.stream_replicas)
    cache = PriceCache(redis, settings.namespace)
    ids = {asset_symbol(i): i + 1 for i in range(ASSETS)}
    rng = np.random.default_rng(11)
    prices = asset_prices()
    ws_url = gateway.replace("http://", "ws://") + f"/api/v1/portfolio/stream?access_token={token}"
    client = _Client()
    times: dict[str, list[float]] = {"instances": [], "client": [], "store": [], "publish": []}
    try:
        async with (
            httpx.AsyncClient(
                timeout=60, headers={"Authorization": f"Bearer {admin_token}"}
            ) as http,
            websockets.connect(ws_url, max_size=None, open_timeout=60) as ws,
        ):
            first = orjson.loads(await ws.recv())
            client.holdings = {row["symbol"] for row in first["holdings"]}
            client.take(first)
            listener = asyncio.create_task(_listen(ws, client))
            try:
                for k in range(refreshes):
                    prices = np.round(prices * rng.uniform(0.98, 1.02, ASSETS), 2)
                    as_of = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=k + 1)
                    quotes = [
                        PriceQuote(
                            asset_symbol(i), Decimal(str(prices[i])), asset_currency(i), as_of,
                            as_of, SOURCE,
                        )
                        for i in range(ASSETS)
                    ]  # fmt: skip
                    stored = time.monotonic()
                    await repository.insert_history(db, [(ids[q.symbol], q) for q in quotes])
                    fresh = set(await cache.put_prices(quotes))
                    messages = [
                        Outgoing(Topic.PRICES, q.symbol, encode_quote(q), quote_dedup_id(q))
                        for q in quotes
                        if q.symbol in fresh
                    ]
                    began = time.monotonic()
                    times["store"].append(began - stored)

                    async def since(work: Awaitable[object], began: float = began) -> float:
                        await asyncio.wait_for(work, TIMEOUT)
                        return time.monotonic() - began

                    publish = asyncio.create_task(since(stream.publish(messages)))
                    instances, seen = await asyncio.gather(
                        since(_instances_at(http, instance_urls, as_of)),
                        since(_client_at(client, as_of)),
                    )
                    times["publish"].append(await publish)
                    times["instances"].append(instances)
                    times["client"].append(seen)
            finally:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await listener
    finally:
        await stream.close()
        await redis.aclose()
        await db.dispose()
    return {"refreshes": refreshes, **{k: summary(v) for k, v in times.items()}}
