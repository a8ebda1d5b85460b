from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from pulsefolio.assets.sources.base import (
    BadQuote,
    FxPair,
    MalformedResponse,
    RateLimited,
    SourceUnavailable,
    SymbolRequest,
    UnknownSymbol,
)
from pulsefolio.assets.sources.yahoo import YahooSource
from pulsefolio.core.domain import AssetClass

from .conftest import FAST, ProviderServer, Reply, recorded

AAPL = "/v8/finance/chart/AAPL"


def yahoo(provider: ProviderServer, client: httpx.AsyncClient) -> YahooSource:
    return YahooSource(client, base_url=provider.url, policy=FAST)


def request(symbol: str, currency: str | None = None) -> SymbolRequest:
    return SymbolRequest(symbol, symbol, currency, AssetClass.STOCK)


class TestFetch:
    async def test_normal_answer(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route(AAPL, Reply(body=recorded("yahoo_aapl.json")))
        [result] = await yahoo(provider, client).fetch([request("AAPL", "USD")])
        quote = result.quote
        assert quote is not None and result.error is None
        assert quote.price == Decimal("227.79") and isinstance(quote.price, Decimal)
        assert quote.currency == "USD" and quote.source == "yahoo"
        assert quote.previous_close == Decimal("227.52")
        assert quote.as_of == datetime.fromtimestamp(1790020801, UTC)
        assert quote.fetched_at.tzinfo is not None
        assert provider.seen[0].query == {"range": ["1d"], "interval": ["1d"]}

    async def test_pence_become_pounds(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/v8/finance/chart/TSCO.L", Reply(body=recorded("yahoo_tsco_l.json")))
        [result] = await yahoo(provider, client).fetch([request("TSCO.L", "GBP")])
        assert result.quote is not None
        assert (result.quote.price, result.quote.currency) == (Decimal("3.456"), "GBP")
        assert result.quote.previous_close == Decimal("3.412")

    async def test_null_price_falls_back_to_last_non_null_close(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/v8/finance/chart/VFIAX", Reply(body=recorded("yahoo_vfiax_nulls.json")))
        [result] = await yahoo(provider, client).fetch([request("VFIAX")])
        assert result.quote is not None
        assert result.quote.price == Decimal("523.45")
        assert result.quote.as_of == datetime.fromtimestamp(1789862400, UTC)

    async def test_no_bars_is_a_bad_quote(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/v8/finance/chart/XYZW", Reply(body=recorded("yahoo_no_bars.json")))
        [result] = await yahoo(provider, client).fetch([request("XYZW")])
        assert isinstance(result.error, BadQuote) and result.quote is None

    async def test_currency_other_than_expected_is_a_bad_quote(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(body=recorded("yahoo_aapl.json")))
        [result] = await yahoo(provider, client).fetch([request("AAPL", "EUR")])
        assert isinstance(result.error, BadQuote)

    async def test_unknown_symbol_among_known(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(body=recorded("yahoo_aapl.json")))
        provider.route("/v8/finance/chart/NOPE", Reply(404, recorded("yahoo_not_found.json")))
        good, bad = await yahoo(provider, client).fetch([request("AAPL"), request("NOPE")])
        assert good.ok and not bad.ok
        assert isinstance(bad.error, UnknownSymbol) and "delisted" in bad.error.detail

    async def test_rate_limited_plain_text(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        reply = Reply(429, recorded("yahoo_429.txt"), "text/plain", {"Retry-After": "30"})
        provider.route(AAPL, reply)
        with pytest.raises(RateLimited) as caught:
            await yahoo(provider, client).fetch([request("AAPL")])
        assert caught.value.retry_after == 30
        assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)
        assert provider.hits(AAPL) == 1  # a 429 is not retried

    async def test_malformed_body(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(body=b'{"chart":{"result":[{"meta":'))
        with pytest.raises(MalformedResponse):
            await yahoo(provider, client).fetch([request("AAPL")])

    async def test_html_instead_of_json(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(body=b"<html>consent</html>", content_type="text/html"))
        with pytest.raises(MalformedResponse):
            await yahoo(provider, client).fetch([request("AAPL")])

    async def test_server_error_retried_then_unavailable(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(503, b"upstream down", "text/plain"))
        with pytest.raises(SourceUnavailable) as caught:
            await yahoo(provider, client).fetch([request("AAPL")])
        assert provider.hits(AAPL) == FAST.attempts
        assert isinstance(caught.value.__cause__, httpx.HTTPStatusError)

    async def test_server_error_then_success(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(AAPL, Reply(502, b"bad gateway"), Reply(body=recorded("yahoo_aapl.json")))
        [result] = await yahoo(provider, client).fetch([request("AAPL")])
        assert result.ok and provider.hits(AAPL) == 2

    async def test_timeout(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route(AAPL, Reply(body=recorded("yahoo_aapl.json"), delay=FAST.timeout + 0.5))
        source = YahooSource(
            client, base_url=provider.url, policy=dataclasses.replace(FAST, timeout=0.2, attempts=2)
        )
        with pytest.raises(SourceUnavailable) as caught:
            await source.fetch([request("AAPL")])
        assert isinstance(caught.value.__cause__, httpx.TimeoutException)


class TestFetchFx:
    async def test_pair(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/v8/finance/chart/EURUSD=X", Reply(body=recorded("yahoo_eurusd.json")))
        [result] = await yahoo(provider, client).fetch_fx([FxPair("EUR", "USD")])
        assert result.quote is not None
        assert (result.quote.base, result.quote.quote) == ("EUR", "USD")
        assert result.quote.rate == Decimal("1.0853")
