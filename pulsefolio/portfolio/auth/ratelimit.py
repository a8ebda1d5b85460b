"""Login rate limit: a fixed one-minute window per (e-mail, client address) in Redis.

Every attempt counts, successful or not, so a guesser gains nothing by interleaving a known
password. The address is the right-most ``X-Forwarded-For`` entry (the one our gateway appended)
or the socket peer when no proxy is in front.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis
from fastapi import Request

from pulsefolio.core.errors import RateLimited

LOGIN_ATTEMPTS = 5
WINDOW_SECONDS = 60


def client_address(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.client.host if request.client else "unknown"


def _key(namespace: str, email: str, address: str) -> str:
    digest = hashlib.sha256(f"{email.lower()}|{address}".encode()).hexdigest()[:32]
    return f"{namespace}:login:{digest}"


async def check_login(
    redis: aioredis.Redis, namespace: str, email: str, address: str, attempts: str = "login"
) -> None:
    """Count one attempt; raises RateLimited (429, Retry-After) past the limit. ``attempts``
    names them in the refusal: a password change counts against the same limit."""
    key = _key(namespace, email, address)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)  # opens the window; Redis 6 has no EXPIRE NX
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    if int(count) > LOGIN_ATTEMPTS:
        raise RateLimited(f"too many {attempts} attempts; try again later", max(1, int(ttl)))
