"""Readiness checks: each answers quickly whether a server really serves."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import redis


def http_ok(url: str, timeout: float = 1.0) -> Callable[[], bool]:
    """Ready when GET ``url`` answers 200."""

    def check() -> bool:
        try:
            return httpx.get(url, timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    return check


def redis_ping(url: str) -> Callable[[], bool]:
    """Ready when Redis answers PING (not while it is still loading its append-only file)."""

    def check() -> bool:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    return check


def pg_isready(bin_dir: Path, host: str, port: int) -> Callable[[], bool]:
    """Ready when PostgreSQL accepts connections (``pg_isready`` from the same installation)."""

    def check() -> bool:
        argv = [str(bin_dir / "pg_isready"), "-q", "-h", host, "-p", str(port), "-t", "1"]
        return subprocess.run(argv, check=False, timeout=5).returncode == 0

    return check
