"""The Redis price cache: the latest price per asset and the latest rate per FX pair.

Key layout (``{ns}`` is the namespace, ``pulsefolio`` by default)::

    {ns}:prices        hash  symbol -> encoded PriceQuote (JSON, see core.events)
    {ns}:prices:asof   hash  symbol -> as-of time in epoch microseconds
    {ns}:fx            hash  pair (e.g. EURUSD) -> encoded FxRate
    {ns}:fx:asof       hash  pair -> as-of time in epoch microseconds

Writes go through one Lua script per batch, so a whole refresh is one round trip and a price
never moves backwards in time: a quote no newer than the one held is ignored, atomically.

The cache holds nothing the database lacks: :func:`rebuild` refills it from the latest row per
asset in ``price_history`` and per pair in ``fx_rates`` (through the same newer-only script), and
:class:`CacheWatch` notices Redis going away and coming back so a service can rebuild or fall
back at the right moment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.events import decode_fx, decode_quote, encode_fx, encode_quote
from pulsefolio.core.tasks import in_background

T = TypeVar("T")
log = logging.getLogger(__name__)

_NEWER_ONLY = """
local updated = {}
for i = 1, #ARGV, 3 do
  local field, asof, body = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local held = redis.call('HGET', KEYS[2], field)
  if (not held) or tonumber(held) < tonumber(asof) then
    redis.call('HSET', KEYS[1], field, body)
    redis.call('HSET', KEYS[2], field, asof)
    updated[#updated + 1] = field
  end
end
return updated
"""


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def connect_redis(url: str) -> aioredis.Redis:
    """A Redis client with short timeouts, so a dead cache is noticed, not waited on."""
    return aioredis.from_url(
        url, socket_timeout=2.0, socket_connect_timeout=2.0, health_check_interval=15
    )


class PriceCache:
    def __init__(self, client: aioredis.Redis, namespace: str = "pulsefolio") -> None:
        self._client = client
        self._prices = f"{namespace}:prices"
        self._fx = f"{namespace}:fx"
        self._script = client.register_script(_NEWER_ONLY)

    async def _write(self, key: str, entries: Iterable[tuple[str, datetime, bytes]]) -> list[str]:
        args: list[str | bytes | int] = []
        for field, as_of, body in entries:
            args.extend((field, _micros(as_of), body))
        if not args:
            return []
        updated = await self._script(keys=[key, f"{key}:asof"], args=args)
        return [_text(item) for item in updated]

    async def put_prices(self, quotes: Sequence[PriceQuote]) -> list[str]:
        """Store the quotes newer than those held; return the symbols that changed."""
        return await self._write(
            self._prices, ((q.symbol, q.as_of, encode_quote(q)) for q in quotes)
        )

    async def put_fx(self, rates: Sequence[FxRate]) -> list[str]:
        """Store the rates newer than those held; return the pairs that changed."""
        return await self._write(self._fx, ((r.pair, r.as_of, encode_fx(r)) for r in rates))

    async def _read(
        self, key: str, fields: Sequence[str] | None, decode: Callable[[bytes | str], T]
    ) -> dict[str, T]:
        if fields is None:
            raw = await self._client.hgetall(key)
            return {_text(k): decode(v) for k, v in raw.items()}
        if not fields:
            return {}
        values = await self._client.hmget(key, list(fields))
        return {f: decode(v) for f, v in zip(fields, values, strict=True) if v is not None}

    async def get_prices(self, symbols: Sequence[str] | None = None) -> dict[str, PriceQuote]:
        """Latest quotes for ``symbols`` (all when None); missing symbols are left out."""
        return await self._read(self._prices, symbols, decode_quote)

    async def get_fx(self, pairs: Sequence[str] | None = None) -> dict[str, FxRate]:
        return await self._read(self._fx, pairs, decode_fx)

    async def clear(self) -> None:
        await self._client.delete(
            self._prices, f"{self._prices}:asof", self._fx, f"{self._fx}:asof"
        )


LATEST_PRICES = text(
    """
    SELECT DISTINCT ON (h.asset_id) a.symbol, h.price, h.currency, h.as_of, h.fetched_at,
           h.source, h.previous_close
    FROM price_history h JOIN assets a ON a.id = h.asset_id
    ORDER BY h.asset_id, h.as_of DESC, h.fetched_at DESC
    """
)
LATEST_FX = text(
    """
    SELECT DISTINCT ON (base, quote) base, quote, rate, as_of, fetched_at, source
    FROM fx_rates ORDER BY base, quote, as_of DESC, fetched_at DESC
    """
)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    prices: int  # latest prices found in the history
    fx: int
    changed_prices: int  # of which the cache lacked or held older
    changed_fx: int


async def stored_latest(engine: AsyncEngine) -> tuple[list[PriceQuote], list[FxRate]]:
    """The latest stored price of every asset and rate of every pair."""
    async with engine.connect() as conn:
        prices = [PriceQuote(**row._mapping) for row in await conn.execute(LATEST_PRICES)]
        rates = [FxRate(**row._mapping) for row in await conn.execute(LATEST_FX)]
    return prices, rates


async def rebuild(engine: AsyncEngine, cache: PriceCache) -> Rebuilt:
    """Refill the cache from the database; newer-only, so it never moves a price backwards."""
    prices, rates = await stored_latest(engine)
    changed_prices = await cache.put_prices(prices)
    changed_fx = await cache.put_fx(rates)
    return Rebuilt(len(prices), len(rates), len(changed_prices), len(changed_fx))


Callback = Callable[[], Awaitable[None]]


class CacheWatch:
    """Pings Redis every ``interval`` seconds and calls ``on_up`` when it answers after not
    answering (and at the first answer), ``on_down`` when it stops answering. A callback that
    fails is tried again at the next ping."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        on_up: Callback | None = None,
        on_down: Callback | None = None,
        interval: float = 1.0,
    ) -> None:
        self.client = client
        self.on_up = on_up
        self.on_down = on_down
        self.interval = interval
        self.up: bool | None = None  # None until the first ping
        self.changes = 0

    async def _alive(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self.client.ping(), self.interval + 2.0))
        except (RedisError, OSError, TimeoutError):
            return False

    async def check(self) -> None:
        """One ping; on a change, the callback (the state moves only once it succeeded)."""
        alive = await self._alive()
        if alive == self.up:
            return
        callback = self.on_up if alive else self.on_down
        try:
            if callback is not None:
                await callback()
        except Exception as exc:
            log.warning("cache %s handler failed: %s: %s", "up" if alive else "down",
                        type(exc).__name__, exc)  # fmt: skip
            return
        if self.up is not None:
            log.warning("price cache is %s", "back" if alive else "unreachable")
        self.up = alive
        self.changes += 1

    async def run(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[CacheWatch]:
        async with in_background(self.run(), "cache-watch"):
            yield self
