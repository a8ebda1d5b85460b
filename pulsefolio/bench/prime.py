"""Read every sampled user's portfolio once before the load starts.

wrk draws its tokens at random, so a short run would otherwise measure a mix of first reads
(each caches a user's answer) and repeated ones; after priming, every read the figures count
is a user's second or later, as in a running platform.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

CONCURRENCY = 32


async def _read_all(url: str, tokens: list[str]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(timeout=30.0) as client:

        async def read(token: str) -> None:
            async with gate:
                answer = await client.get(url, headers={"Authorization": f"Bearer {token}"})
                answer.raise_for_status()

        await asyncio.gather(*(read(token) for token in tokens))


def prime(url: str, tokens: Path) -> float:
    """GET ``url`` once with every token in the file ``tokens``; returns the seconds taken."""
    began = time.monotonic()
    asyncio.run(_read_all(url, tokens.read_text().split()))
    return time.monotonic() - began
