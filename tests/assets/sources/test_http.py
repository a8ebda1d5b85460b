from __future__ import annotations

import types

import pulsefolio.assets.sources as sources
from pulsefolio.assets.sources.http import TokenBucket
from pulsefolio.assets.sources.registry import SOURCES, fx_sources, quote_sources


class TestTokenBucket:
    async def test_paces_after_the_burst(self) -> None:
        now = [0.0]
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            now[0] += seconds

        bucket = TokenBucket(2.0, burst=2, clock=lambda: now[0], sleep=sleep)
        for _ in range(4):
            await bucket.acquire()
        assert waits == [0.5, 0.5]


class TestRegistry:
    def test_names(self) -> None:
        assert set(SOURCES) == {
            "simulated", "manual", "yahoo", "alphavantage", "twelvedata",
            "finnhub", "amfi", "ecb", "frankfurter",
        }  # fmt: skip
        assert all(cls.name == name for name, cls in SOURCES.items())
        assert set(fx_sources()) >= {"ecb", "frankfurter", "yahoo", "simulated"}
        assert "ecb" not in quote_sources()

    def test_package_exports_match_all(self) -> None:
        public = {
            name
            for name, value in vars(sources).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)
        }
        assert public == set(sources.__all__)
