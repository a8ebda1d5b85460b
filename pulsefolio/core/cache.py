"""The Redis price cache: the latest price per asset and the latest rate per FX pair.

Key layout (``{ns}`` is the namespace, ``pulsefolio`` by default)::

    {ns}:prices        hash  symbol -> encoded PriceQuote (JSON, see core.events)
    {ns}:prices:asof   hash  symbol -> as-of time in epoch microseconds
    {ns}:fx            hash  pair (e.g. EURUSD) -> encoded FxRate
    {ns}:fx:asof       hash  pair -> as-of time in epoch microseconds

Writes go through one Lua script per batch, so a whole refresh is one round trip and a price
never moves backwards in time: a quote no newer than the one held is ignored, atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TypeVar

import redis.asyncio as aioredis

from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.events import decode_fx, decode_quote, encode_fx, encode_quote

T = TypeVar("T")

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
