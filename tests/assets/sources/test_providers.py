"""Each provider's own answers: unknown symbols, rate limits in its style, its format traps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from pulsefolio.assets.sources.alphavantage import AlphaVantageSource
from pulsefolio.assets.sources.amfi import AmfiSource
from pulsefolio.assets.sources.base import (
    BadQuote,
    FxPair,
    RateLimited,
    SourceAuthError,
    SymbolRequest,
    UnknownSymbol,
)
from pulsefolio.assets.sources.ecb import EcbSource
from pulsefolio.assets.sources.finnhub import FinnhubSource
from pulsefolio.assets.sources.frankfurter import FrankfurterSource
from pulsefolio.assets.sources.http import TokenBucket
from pulsefolio.assets.sources.twelvedata import TwelveDataSource

from .conftest import FAST, ProviderServer, Reply, recorded

KEY = "k-123"
NOW = datetime(2026, 9, 22, 12, tzinfo=UTC)


def free() -> TokenBucket:
    return TokenBucket(1000, burst=100)


def req(symbol: str, currency: str | None = "USD") -> SymbolRequest:
    return SymbolRequest(symbol, symbol, currency)


class TestAlphaVantage:
    def source(self, provider: ProviderServer, client: httpx.AsyncClient) -> AlphaVantageSource:
        return AlphaVantageSource(
            client, KEY, base_url=provider.url, policy=FAST, limiter=free(), clock=lambda: NOW
        )

    async def test_quote(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_global_quote.json")))
        [result] = await self.source(provider, client).fetch([req("IBM")])
        assert result.quote is not None
        assert result.quote.price == Decimal("224.1300")
        assert result.quote.previous_close == Decimal("221.9800")
        assert result.quote.as_of == datetime(2026, 9, 21, 20, tzinfo=UTC)  # 16:00 New York
        assert provider.seen[0].query["function"] == ["GLOBAL_QUOTE"]

    async def test_london_pence(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_global_quote.json")))
        [result] = await self.source(provider, client).fetch([req("TSCO.LON", "GBX")])
        assert result.quote is not None
        assert (result.quote.price, result.quote.currency) == (Decimal("2.2413"), "GBP")

    async def test_unknown_symbol(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_unknown.json")))
        [result] = await self.source(provider, client).fetch([req("NOPE")])
        assert isinstance(result.error, UnknownSymbol)

    @pytest.mark.parametrize("body", ["alphavantage_rate_limit.json", "alphavantage_note.json"])
    async def test_rate_limit_with_http_200(
        self, body: str, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/query", Reply(200, recorded(body)))
        with pytest.raises(RateLimited) as caught:
            await self.source(provider, client).fetch([req("IBM"), req("MSFT")])
        assert caught.value.retry_after > 0
        assert provider.hits("/query") == 1  # the batch stops at the first throttle

    async def test_premium_endpoint_is_not_retried(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_premium.json")))
        with pytest.raises(SourceAuthError, match="premium"):
            await self.source(provider, client).fetch([req("IBM")])
        assert provider.hits("/query") == 1

    async def test_bad_key(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_bad_key.json")))
        with pytest.raises(SourceAuthError) as caught:
            await self.source(provider, client).fetch([req("IBM")])
        assert KEY not in str(caught.value)

    async def test_fx(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_fx.json")))
        [result] = await self.source(provider, client).fetch_fx([FxPair("USD", "JPY")])
        assert result.quote is not None
        assert result.quote.rate == Decimal("148.19900000")
        assert result.quote.as_of == datetime(2026, 9, 21, 21, 43, 2, tzinfo=UTC)

    async def test_fx_invalid_call(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/query", Reply(body=recorded("alphavantage_error.json")))
        [result] = await self.source(provider, client).fetch_fx([FxPair("USD", "XXX")])
        assert isinstance(result.error, UnknownSymbol)


class TestTwelveData:
    def source(self, provider: ProviderServer, client: httpx.AsyncClient) -> TwelveDataSource:
        return TwelveDataSource(client, KEY, base_url=provider.url, policy=FAST, limiter=free())

    async def test_quote_and_key_in_header(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/quote", Reply(body=recorded("twelvedata_quote.json")))
        [result] = await self.source(provider, client).fetch([req("AAPL")])
        assert result.quote is not None
        assert result.quote.price == Decimal("227.78999")
        assert result.quote.as_of == datetime.fromtimestamp(1790035200, UTC)
        seen = provider.seen[0]
        assert seen.headers["Authorization"] == f"apikey {KEY}" and "apikey" not in seen.query

    @pytest.mark.parametrize("status", [200, 404])
    async def test_unknown_symbol(
        self, status: int, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/quote", Reply(status, recorded("twelvedata_not_found.json")))
        [result] = await self.source(provider, client).fetch([req("NOPE")])
        assert isinstance(result.error, UnknownSymbol)

    @pytest.mark.parametrize("status", [200, 429])
    async def test_rate_limit(
        self, status: int, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/quote", Reply(status, recorded("twelvedata_rate_limit.json")))
        with pytest.raises(RateLimited):
            await self.source(provider, client).fetch([req("AAPL")])

    async def test_bad_key(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/quote", Reply(200, recorded("twelvedata_bad_key.json")))
        with pytest.raises(SourceAuthError):
            await self.source(provider, client).fetch([req("AAPL")])

    async def test_fx(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/quote", Reply(body=recorded("twelvedata_fx.json")))
        [result] = await self.source(provider, client).fetch_fx([FxPair("EUR", "USD")])
        assert result.quote is not None and result.quote.rate == Decimal("1.08530")
        assert provider.seen[0].query["symbol"] == ["EUR/USD"]


class TestFinnhub:
    def source(self, provider: ProviderServer, client: httpx.AsyncClient) -> FinnhubSource:
        return FinnhubSource(client, KEY, base_url=provider.url, policy=FAST, limiter=free())

    async def test_currency_comes_from_the_request(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/api/v1/quote", Reply(body=recorded("finnhub_quote.json")))
        [result] = await self.source(provider, client).fetch([req("SAP.DE", "EUR")])
        assert result.quote is not None
        assert (result.quote.price, result.quote.currency) == (Decimal("261.74"), "EUR")
        assert result.quote.previous_close == Decimal("261.29")

    async def test_all_zeros_is_unknown(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/api/v1/quote", Reply(body=recorded("finnhub_unknown.json")))
        [result] = await self.source(provider, client).fetch([req("NOPE")])
        assert isinstance(result.error, UnknownSymbol)

    async def test_rate_limit(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/api/v1/quote", Reply(429, recorded("finnhub_429.json")))
        with pytest.raises(RateLimited):
            await self.source(provider, client).fetch([req("AAPL")])

    async def test_bad_key(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/api/v1/quote", Reply(401, recorded("finnhub_401.json")))
        with pytest.raises(SourceAuthError):
            await self.source(provider, client).fetch([req("AAPL")])

    async def test_negative_price_is_bad(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/api/v1/quote", Reply(body=b'{"c":-1.5,"pc":2,"t":1790035200}'))
        [result] = await self.source(provider, client).fetch([req("AAPL")])
        assert isinstance(result.error, BadQuote)


class TestAmfi:
    def source(self, provider: ProviderServer, client: httpx.AsyncClient) -> AmfiSource:
        return AmfiSource(client, base_url=provider.url, policy=FAST, limiter=free())

    @pytest.mark.parametrize(
        ("body", "nav", "day"),
        [
            ("amfi_navall_8field.txt", "1187.532", 21),  # with BOM, CRLF
            ("amfi_navall_6field.txt", "1170.1", 18),  # CRLF, no BOM
        ],
    )
    async def test_both_layouts(
        self, body: str, nav: str, day: int, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        assert b"\r\n" in recorded(body)
        provider.route("/spages/NAVAll.txt", Reply(body=recorded(body), content_type="text/plain"))
        hdfc, missing, unknown = await self.source(provider, client).fetch(
            [req("119018", "INR"), req("100999", "INR"), req("999999", "INR")]
        )
        assert hdfc.quote is not None
        assert (hdfc.quote.price, hdfc.quote.currency) == (Decimal(nav), "INR")
        assert hdfc.quote.as_of.astimezone(UTC).day == day
        assert isinstance(missing.error, BadQuote)  # N.A.
        assert isinstance(unknown.error, UnknownSymbol)


class TestEcb:
    def source(
        self, provider: ProviderServer, client: httpx.AsyncClient, cross: bool = False
    ) -> EcbSource:
        return EcbSource(
            client, base_url=provider.url, cross_rates=cross, policy=FAST, limiter=free()
        )

    async def test_euro_based_and_inverse(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(
            "/stats/eurofxref/eurofxref-daily.xml", Reply(body=recorded("ecb_daily.xml"))
        )
        usd, back, cross = await self.source(provider, client).fetch_fx(
            [FxPair("EUR", "USD"), FxPair("USD", "EUR"), FxPair("USD", "JPY")]
        )
        assert usd.quote is not None and usd.quote.rate == Decimal("1.0705")
        assert back.quote is not None and back.quote.rate == 1 / Decimal("1.0705")
        assert usd.quote.as_of == datetime(2026, 9, 21, 14, tzinfo=UTC)  # 16:00 CEST
        assert isinstance(cross.error, UnknownSymbol)

    async def test_cross_rates_when_asked(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(
            "/stats/eurofxref/eurofxref-daily.xml", Reply(body=recorded("ecb_daily.xml"))
        )
        [cross, unknown] = await self.source(provider, client, cross=True).fetch_fx(
            [FxPair("USD", "JPY"), FxPair("USD", "XAU")]
        )
        assert cross.quote is not None
        assert cross.quote.rate == Decimal("172.42") / Decimal("1.0705")
        assert isinstance(unknown.error, UnknownSymbol)


class TestFrankfurter:
    def source(self, provider: ProviderServer, client: httpx.AsyncClient) -> FrankfurterSource:
        return FrankfurterSource(client, base_url=provider.url, policy=FAST, limiter=free())

    async def test_one_request_per_base(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route("/v1/latest", Reply(body=recorded("frankfurter_latest.json")))
        eur, gbp = await self.source(provider, client).fetch_fx(
            [FxPair("USD", "EUR"), FxPair("USD", "GBP")]
        )
        assert eur.quote is not None and eur.quote.rate == Decimal("0.93414")
        assert gbp.quote is not None and gbp.quote.rate == Decimal("0.78905")
        assert provider.seen[0].query == {"base": ["USD"], "symbols": ["EUR,GBP"]}

    async def test_unknown_base(self, provider: ProviderServer, client: httpx.AsyncClient) -> None:
        provider.route("/v1/latest", Reply(404, recorded("frankfurter_404.json")))
        [result] = await self.source(provider, client).fetch_fx([FxPair("XXX", "EUR")])
        assert isinstance(result.error, UnknownSymbol)

    async def test_bad_symbol_does_not_sink_the_others(
        self, provider: ProviderServer, client: httpx.AsyncClient
    ) -> None:
        provider.route(
            "/v1/latest",
            Reply(422, recorded("frankfurter_422.json")),
            # Asked alone, each symbol gets this answer, so arrival order does not matter.
            Reply(body=b'{"amount":1.0,"base":"USD","date":"2026-09-21","rates":{"EUR":0.93414}}'),
        )
        eur, bad = await self.source(provider, client).fetch_fx(
            [FxPair("USD", "EUR"), FxPair("USD", "QQQ")]
        )
        assert eur.ok and isinstance(bad.error, UnknownSymbol)
