"""Choosing a price with real local sources: the simulated market, a real HTTP adapter aimed at
a closed port, and sources that lie; no database needed."""

from __future__ import annotations

import socket

import httpx

from pulsefolio.assets.selection import AssetPlan, Selector, SourceRef
from pulsefolio.assets.source_status import SourceHealth
from pulsefolio.assets.sources.base import FxPair, RateLimited
from pulsefolio.assets.sources.http import HttpPolicy
from pulsefolio.assets.sources.yahoo import YahooSource
from pulsefolio.core.domain import AssetClass


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def plan(symbol: str, *sources: str) -> AssetPlan:
    refs = tuple(SourceRef(name, symbol) for name in sources)
    return AssetPlan(1, symbol, "USD", AssetClass.STOCK, refs)


class TestFailover:
    async def test_unreachable_http_source_falls_over(self, market) -> None:  # type: ignore[no-untyped-def]
        policy = HttpPolicy(timeout=0.5, attempts=2, backoff=0.01, max_backoff=0.02)
        async with httpx.AsyncClient() as client:
            yahoo = YahooSource(client, base_url=f"http://127.0.0.1:{_closed_port()}",
                                policy=policy)  # fmt: skip
            health = SourceHealth(failure_threshold=1, cooldown=60)
            selector = Selector({"yahoo": yahoo, "simulated": market}, health)
            choice = await selector.select([plan("AAPL", "yahoo", "simulated")], {})
        assert choice.chosen["AAPL"].source == "simulated"
        yahoo_status = health.status("yahoo")
        assert yahoo_status.errors == {"SourceUnavailable": 1}
        assert yahoo_status.latency_seconds is not None and not health.healthy("yahoo")
        assert health.status("simulated").successes == 1

    async def test_nothing_left_means_unpriced(self, market) -> None:  # type: ignore[no-untyped-def]
        selector = Selector({"simulated": market}, SourceHealth())
        choice = await selector.select([plan("X", "gone")], {})
        assert choice.chosen == {} and choice.unpriced == ["X"]
        assert choice.rejections[0].reason == "no such source"

    async def test_consult_one_asks_only_the_first(self, market, scaled) -> None:  # type: ignore[no-untyped-def]
        second = scaled("second", market, "3")
        selector = Selector({"simulated": market, "second": second}, SourceHealth(), consult=1)
        choice = await selector.select([plan("X", "simulated", "second")], {})
        assert choice.chosen["X"].source == "simulated" and second.calls == 0


class TestHealth:
    def test_rate_limit_shuts_out_for_its_delay_then_trial(self) -> None:
        now = [100.0]
        health = SourceHealth(failure_threshold=3, cooldown=300, monotonic=lambda: now[0])
        health.failure("p", RateLimited("p: slow down", retry_after=30))
        assert not health.healthy("p")
        now[0] += 31
        assert health.healthy("p")
        health.success("p", 0.2)
        assert health.status("p").consecutive_failures == 0 and health.healthy("p")

    def test_threshold(self) -> None:
        health = SourceHealth(failure_threshold=2, cooldown=300)
        health.failure("p", ValueError("boom"))
        assert health.healthy("p")
        health.failure("p", ValueError("boom"))
        assert not health.healthy("p")
        assert health.snapshot()[0]["errors"] == {"ValueError": 2}


class TestFx:
    async def test_known_pairs_priced_unknown_reported(self, market) -> None:  # type: ignore[no-untyped-def]
        selector = Selector({"simulated": market}, SourceHealth())
        choice = await selector.select_fx(
            [FxPair("EUR", "USD"), FxPair("XXX", "USD")], ["simulated"], {}
        )
        assert set(choice.chosen) == {"EURUSD"} and choice.unpriced == ["XXXUSD"]
        assert choice.chosen["EURUSD"].rate > 0
