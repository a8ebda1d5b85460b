"""The failures every HTTP adapter shares: 5xx, 5xx then success, timeout, unreadable body."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pulsefolio.assets.sources.alphavantage import AlphaVantageSource
from pulsefolio.assets.sources.amfi import AmfiSource
from pulsefolio.assets.sources.base import (
    FxPair,
    MalformedResponse,
    SourceUnavailable,
    SymbolRequest,
)
from pulsefolio.assets.sources.ecb import EcbSource
from pulsefolio.assets.sources.finnhub import FinnhubSource
from pulsefolio.assets.sources.frankfurter import FrankfurterSource
from pulsefolio.assets.sources.http import HttpPolicy, TokenBucket
from pulsefolio.assets.sources.twelvedata import TwelveDataSource
from pulsefolio.assets.sources.yahoo import YahooSource

from .conftest import FAST, ProviderServer, Reply, recorded

KEY = "sekrit-key-123"


def free() -> TokenBucket:
    """No pacing in tests: the default buckets would make the suite wait for real."""
    return TokenBucket(1000, burst=100)


@dataclass
class Case:
    name: str
    path: str
    good: bytes
    call: Callable[[httpx.AsyncClient, str, HttpPolicy], Awaitable[list[Any]]]
    garbage: bytes = b"<html><body>captcha</body></html>"


def quote(symbol: str) -> list[SymbolRequest]:
    return [SymbolRequest(symbol, symbol, "USD")]


CASES = [
    Case(
        "yahoo",
        "/v8/finance/chart/AAPL",
        recorded("yahoo_aapl.json"),
        lambda c, u, p: YahooSource(c, base_url=u, policy=p, limiter=free()).fetch(quote("AAPL")),
    ),
    Case(
        "alphavantage",
        "/query",
        recorded("alphavantage_global_quote.json"),
        lambda c, u, p: AlphaVantageSource(c, KEY, base_url=u, policy=p, limiter=free()).fetch(
            quote("IBM")
        ),
    ),
    Case(
        "twelvedata",
        "/quote",
        recorded("twelvedata_quote.json"),
        lambda c, u, p: TwelveDataSource(c, KEY, base_url=u, policy=p, limiter=free()).fetch(
            quote("AAPL")
        ),
    ),
    Case(
        "finnhub",
        "/api/v1/quote",
        recorded("finnhub_quote.json"),
        lambda c, u, p: FinnhubSource(c, KEY, base_url=u, policy=p, limiter=free()).fetch(
            quote("AAPL")
        ),
    ),
    Case(
        "amfi",
        "/spages/NAVAll.txt",
        recorded("amfi_navall_8field.txt"),
        lambda c, u, p: AmfiSource(c, base_url=u, policy=p, limiter=free()).fetch(
            [SymbolRequest("ABSL", "119551", "INR")]
        ),
        garbage=b"<html><body>Service moved</body></html>",
    ),
    Case(
        "ecb",
        "/stats/eurofxref/eurofxref-daily.xml",
        recorded("ecb_daily.xml"),
        lambda c, u, p: EcbSource(c, base_url=u, policy=p, limiter=free()).fetch_fx(
            [FxPair("EUR", "USD")]
        ),
        garbage=b"<gesmes:Envelope><Cube><Cube time='2026-09-21'><Cube currency='USD'",
    ),
    Case(
        "frankfurter",
        "/v1/latest",
        recorded("frankfurter_latest.json"),
        lambda c, u, p: FrankfurterSource(c, base_url=u, policy=p, limiter=free()).fetch_fx(
            [FxPair("USD", "EUR")]
        ),
    ),
]
IDS = [case.name for case in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
class TestEveryHttpSource:
    async def test_normal_answer(
        self, case: Case, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(case.path, Reply(body=case.good))
        [result] = await case.call(client, provider.url, FAST)
        assert result.ok, result.error
        assert result.quote.fetched_at.tzinfo is not None and result.quote.as_of.tzinfo is not None
        assert result.quote.source == case.name

    async def test_server_error_is_retried_then_unavailable(
        self, case: Case, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(case.path, Reply(500, b"Internal Server Error", "text/plain"))
        with pytest.raises(SourceUnavailable) as caught:
            await case.call(client, provider.url, FAST)
        assert provider.hits(case.path) == FAST.attempts
        assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
        assert KEY not in str(caught.value) and KEY not in str(caught.value.__cause__)

    async def test_server_error_then_success(
        self, case: Case, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(case.path, Reply(503, b"busy", "text/plain"), Reply(body=case.good))
        [result] = await case.call(client, provider.url, FAST)
        assert result.ok and provider.hits(case.path) == 2

    async def test_timeout(
        self, case: Case, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        policy = dataclasses.replace(FAST, timeout=0.3, attempts=2)
        provider.route(case.path, Reply(body=case.good, delay=1.5))
        with pytest.raises(SourceUnavailable) as caught:
            await case.call(client, provider.url, policy)
        assert isinstance(caught.value.__cause__, httpx.TimeoutException)
        # the second attempt may reach the server's thread after the client gave up on it
        for _ in range(50):
            if provider.hits(case.path) == 2:
                break
            await asyncio.sleep(0.02)
        assert provider.hits(case.path) == 2

    async def test_malformed_body(
        self, case: Case, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(case.path, Reply(body=case.garbage))
        with pytest.raises(MalformedResponse):
            await case.call(client, provider.url, FAST)
        assert provider.hits(case.path) == 1

    async def test_key_never_logged(
        self,
        case: Case,
        provider: ProviderServer,
        client: httpx.AsyncClient,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        provider.route(case.path, Reply(body=case.good))
        with caplog.at_level("DEBUG"):
            await case.call(client, provider.url, FAST)
        assert caplog.records and KEY not in caplog.text


class TestConnectionRefused:
    async def test_unreachable_host_is_unavailable(self, client: httpx.AsyncClient) -> None:
        policy = dataclasses.replace(FAST, attempts=2)
        with pytest.raises(SourceUnavailable) as caught:
            await YahooSource(client, base_url="http://127.0.0.1:9", policy=policy).fetch(
                quote("AAPL")
            )
        assert isinstance(caught.value.__cause__, httpx.TransportError)
