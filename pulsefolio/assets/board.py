"""The refresh status every asset-service process and the CLI can read: kept in Redis.

Only the leader fetches, so only it has live source figures; after each cycle it writes them,
with the cycle's own figures, to one Redis hash. Any process answers ``/sources`` and
``/metrics`` from there, and so does ``pulsefolio assets sources``.

Key: ``{ns}:assets:status``, fields ``sources`` (JSON list) and ``cycle`` (JSON object).
"""

from __future__ import annotations

from typing import Any

import orjson
import redis.asyncio as aioredis


class StatusBoard:
    def __init__(self, client: aioredis.Redis, namespace: str) -> None:
        self._client = client
        self.key = f"{namespace}:assets:status"

    async def publish(self, sources: list[dict[str, Any]], cycle: dict[str, Any]) -> None:
        await self._client.hset(
            self.key, mapping={"sources": orjson.dumps(sources), "cycle": orjson.dumps(cycle)}
        )

    async def read(self) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """The latest source figures and cycle summary; empty before the first cycle."""
        sources, cycle = await self._client.hmget(self.key, ["sources", "cycle"])
        return (
            orjson.loads(sources) if sources else [],
            orjson.loads(cycle) if cycle else None,
        )
