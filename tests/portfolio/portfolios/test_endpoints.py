"""The valuation routes through a real uvicorn server, database, cache and stream."""

from __future__ import annotations

from engine.fixtures import (
    CACHED_QUOTES,
    CACHED_RATES,
    announce,
    seed,
    wait_for,
)  # tests/portfolio/engine (rootdir-relative test package)


class TestPortfolio:
    async def test_values_all_accounts_in_base_currency(self, make_user, db, cache, stream) -> None:  # type: ignore[no-untyped-def]
        eve = await make_user(base_currency="EUR")
        await seed(db, cache, eve.id)
        answer = await eve.client.get("/api/v1/portfolio")
        assert answer.status_code == 200, answer.text
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        # 960 (AAPL) + 4800 (VWRL) + 1040 (SAP), see tests/portfolio/engine/fixtures.py.
        body = await wait_for(eve.client, "/api/v1/portfolio", "6800.00")
        assert body["base_currency"] == "EUR"
        origins = {r["symbol"]: (r["price_origin"], r["stale"]) for r in body["holdings"]}
        assert origins == {
            "AAPL": ("cache", False),
            "SAP": ("database", True),
            "VWRL": ("cache", False),
        }

    async def test_a_user_without_positions_has_an_empty_portfolio(self, make_user) -> None:  # type: ignore[no-untyped-def]
        bob = await make_user()
        body = (await bob.client.get("/api/v1/portfolio")).json()
        assert (body["total_value"], body["holdings"]) == ("0.00", [])

    async def test_requires_a_token(self, client) -> None:  # type: ignore[no-untyped-def]
        assert (await client.get("/api/v1/portfolio")).status_code == 401


class TestAccountPortfolio:
    async def test_values_one_account(self, make_user, db, cache, stream) -> None:  # type: ignore[no-untyped-def]
        eve = await make_user(base_currency="EUR")
        book = await seed(db, cache, eve.id)
        await announce(stream, CACHED_QUOTES, CACHED_RATES)
        # VWRL only: 40 × 100 GBP × 1.2 = 4800 EUR; cost 3000 × 1.2 = 3600.
        path = f"/api/v1/accounts/{book.uk_account}/portfolio"
        body = await wait_for(eve.client, path, "4800.00")
        assert body["unrealized_gain"]["amount"] == "1200.00"
        assert [r["symbol"] for r in body["holdings"]] == ["VWRL"]
        assert body["holdings"][0]["weight_percent"] == "100.0000"

    async def test_another_users_account_is_not_found(self, make_user, db, cache) -> None:  # type: ignore[no-untyped-def]
        eve = await make_user(base_currency="EUR")
        mallory = await make_user()
        book = await seed(db, cache, eve.id)
        answer = await mallory.client.get(f"/api/v1/accounts/{book.us_account}/portfolio")
        assert answer.status_code == 404
        assert answer.json()["error"] == "NotFound"
        assert (await mallory.client.get("/api/v1/portfolio")).json()["holdings"] == []
