"""The asset service's HTTP API, served by a real uvicorn over real PostgreSQL, Redis and NATS."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest_asyncio
import uvicorn
from sqlalchemy import select, text

from pulsefolio.assets.app import create_app
from pulsefolio.assets.manual_store import HistoryManualStore
from pulsefolio.assets.sources.manual import ManualSource
from pulsefolio.core.db.models import PriceHistory
from pulsefolio.core.domain import AssetClass, Role
from pulsefolio.core.tokens import issue_access_token
from pulsefolio.runtime.ports import free_port

STOCK = AssetClass.STOCK


@pytest_asyncio.fixture(loop_scope="session")
async def api(settings, market, seed, engine) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    await seed([("AAPL", "USD", STOCK, [("simulated", "AAPL")]),
                ("HOUSE", "EUR", AssetClass.BOND, [("manual", "HOUSE")])])  # fmt: skip
    async with engine.begin() as conn:  # the user behind bearer()'s tokens
        await conn.execute(
            text("INSERT INTO users (id, email, password_hash, role) OVERRIDING SYSTEM VALUE"
                 " VALUES (:id, 'admin@market.test', '!', 'admin')"),
            {"id": TOKEN_USER},
        )  # fmt: skip
    manual = ManualSource(HistoryManualStore(engine))
    app = create_app(settings, refresh=False, sources={"simulated": market, "manual": manual})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
        assert not task.done()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=20) as client:
        yield client
    server.should_exit = True
    await task


TOKEN_USER = 1  # an admin in the database: the role claim decides what bearer() may do


def bearer(settings, role: Role) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {issue_access_token(settings, TOKEN_USER, role)}"}


ADMIN_ROUTES = [
    ("PUT", "/api/v1/market/manual-prices", {"prices": [{"symbol": "HOUSE", "price": "1"}]}),
    ("PUT", "/api/v1/market/assets/AAPL/sources", {"sources": []}),
    ("POST", "/api/v1/market/refresh", None),
]


class TestAdminRoutes:
    async def test_refused_without_admin(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        for method, path, body in ADMIN_ROUTES:
            missing = await api.request(method, path, json=body)
            assert missing.status_code == 401 and missing.json()["error"] == "Unauthorized"
            forged = await api.request(method, path, json=body, headers={"Authorization": "x y"})
            assert forged.status_code == 401
            user = await api.request(method, path, json=body, headers=bearer(settings, Role.USER))
            assert user.status_code == 403 and user.json()["error"] == "Forbidden"
        assert (await api.get("/api/v1/market/sources")).json()["cycle"] is None
        quote = await api.get("/api/v1/market/quotes/HOUSE")
        assert quote.status_code == 404  # nothing was written by the refused calls

    async def test_the_role_in_the_database_decides(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        """An admin token outlives a password change, a demotion or a deletion by up to its
        lifetime; what is stored now is what counts."""
        admin = bearer(settings, Role.ADMIN)
        method, path, body = ADMIN_ROUTES[0]
        # a password change ends every sign-in made before it; then a demotion, a deletion
        for change, status in (("UPDATE users SET sessions_since = now()", 401),
                               ("UPDATE users SET sessions_since = NULL, role = 'user'", 403),
                               ("DELETE FROM users", 401)):  # fmt: skip
            async with engine.begin() as conn:
                await conn.execute(text(change + " WHERE id = :id"), {"id": TOKEN_USER})
            refused = await api.request(method, path, json=body, headers=admin)
            assert refused.status_code == status, refused.text
        assert (await api.get("/api/v1/market/quotes/HOUSE")).status_code == 404

    async def test_refresh_without_wait_is_scheduled(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        admin = bearer(settings, Role.ADMIN)
        accepted = await api.post("/api/v1/market/refresh", headers=admin)
        assert accepted.status_code == 202 and accepted.json() == {"scheduled": True}
        async with asyncio.timeout(15):
            while (await api.get("/api/v1/market/quotes/AAPL")).status_code == 404:  # noqa: ASYNC110 polling another service
                await asyncio.sleep(0.1)

    async def test_refresh_then_quote(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        assert (await api.get("/api/v1/market/quotes/AAPL")).status_code == 404
        done = await api.post(
            "/api/v1/market/refresh?wait=true", headers=bearer(settings, Role.ADMIN)
        )
        assert done.status_code == 200 and done.json()["priced"] == 1
        quote = (await api.get("/api/v1/market/quotes/AAPL")).json()
        assert quote["source"] == "simulated" and isinstance(quote["price"], str)
        assert Decimal(quote["price"]) > 0 and quote["age_seconds"] >= 0
        status = (await api.get("/api/v1/market/sources")).json()
        simulated = next(s for s in status["sources"] if s["name"] == "simulated")
        assert simulated["successes"] >= 1 and simulated["last_success"] is not None
        assert simulated["latency_seconds"] is not None and status["cycle"]["priced"] == 1

    async def test_manual_prices(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        admin = bearer(settings, Role.ADMIN)
        body = {"prices": [{"symbol": "HOUSE", "price": "250000.50", "currency": "EUR"}]}
        done = await api.put("/api/v1/market/manual-prices", json=body, headers=admin)
        assert done.status_code == 200 and done.json()["changed"] == ["HOUSE"]
        quote = (await api.get("/api/v1/market/quotes/HOUSE")).json()
        assert (quote["price"], quote["currency"], quote["source"]) == ("250000.50", "EUR",
                                                                         "manual")  # fmt: skip

    async def test_manual_prices_with_previous_close(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = bearer(settings, Role.ADMIN)
        body = {"prices": [{"symbol": "HOUSE", "price": "102", "previous_close": "100",
                            "as_of": "2025-06-30T16:00:00Z"}]}  # fmt: skip
        done = await api.put("/api/v1/market/manual-prices", json=body, headers=admin)
        assert done.status_code == 200, done.text
        quote = (await api.get("/api/v1/market/quotes/HOUSE")).json()
        assert (quote["price"], quote["previous_close"]) == ("102", "100")
        # the manual source serves it on a refresh with its previous close too
        await api.post("/api/v1/market/refresh?wait=true", headers=admin)
        query = select(PriceHistory.price, PriceHistory.previous_close).where(
            PriceHistory.source == "manual")  # fmt: skip
        async with engine.connect() as conn:
            stored = {(Decimal(p), Decimal(c)) for p, c in await conn.execute(query)}
        assert stored == {(Decimal(102), Decimal(100))}
        bad = {"prices": [{"symbol": "HOUSE", "price": "102", "previous_close": "-1"}]}
        answer = await api.put("/api/v1/market/manual-prices", json=bad, headers=admin)
        assert answer.status_code == 422
        assert list(answer.json()["fields"]) == ["prices.0.previous_close"]

    async def test_manual_prices_validated(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        rows = [
            {"symbol": "HOUSE", "price": 12.5},  # a JSON number, not a string
            {"symbol": "HOUSE", "price": "-1"},
            {"symbol": "HOUSE", "price": "NaN"},
            {"symbol": "HOUSE", "price": "12", "currency": "USD"},  # HOUSE is in EUR
            {"symbol": "NOPE", "price": "12"},
            {"symbol": "HOUSE", "price": "12", "as_of": "2026-01-01T00:00:00"},  # naive
            {"symbol": "HOUSE", "price": "12", "as_of": "2999-01-01T00:00:00Z"},
            {"symbol": "HOUSE", "price": "0.00000000001"},  # the column would hold 0
            {"symbol": "HOUSE", "price": "1" + "0" * 14},  # more than the column holds
            {"symbol": "HOUSE", "price": "12", "as_of": "0001-01-01T00:00:00+05:00"},
        ]
        for row in rows:
            answer = await api.put("/api/v1/market/manual-prices", json={"prices": [row]},
                                   headers=bearer(settings, Role.ADMIN))  # fmt: skip
            assert answer.status_code == 422 and answer.json()["error"] == "ValidationFailed", row
            assert "body" not in answer.json()["fields"], row  # a field is named
        assert (await api.get("/api/v1/market/quotes/HOUSE")).status_code == 404

    async def test_edit_sources_changes_who_answers(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        admin = bearer(settings, Role.ADMIN)
        nosuch = {"sources": [{"source": "nosuch", "provider_symbol": "A"}]}
        bad = await api.put("/api/v1/market/assets/AAPL/sources", headers=admin,
                            json=nosuch)  # fmt: skip
        assert bad.status_code == 422
        unknown = await api.put("/api/v1/market/assets/ZZZ/sources", headers=admin,
                                json={"sources": []})  # fmt: skip
        assert unknown.status_code == 404
        edit = {"sources": [{"source": "manual", "provider_symbol": "AAPL"}]}
        done = await api.put("/api/v1/market/assets/AAPL/sources", json=edit, headers=admin)
        assert done.status_code == 200 and done.json()["sources"] == edit["sources"]
        # Only "manual" is listed now, and no price was entered: nothing prices AAPL.
        report = (await api.post("/api/v1/market/refresh?wait=true", headers=admin)).json()
        assert report["priced"] == 0 and "AAPL" in report["unpriced"]
        entered = {"prices": [{"symbol": "AAPL", "price": "99.5"}]}
        assert (await api.put("/api/v1/market/manual-prices", json=entered,
                              headers=admin)).status_code == 200  # fmt: skip
        report = (await api.post("/api/v1/market/refresh?wait=true", headers=admin)).json()
        assert "AAPL" not in report["unpriced"] and report["unchanged"] >= 1
        quote = (await api.get("/api/v1/market/quotes/AAPL")).json()
        assert (quote["price"], quote["source"]) == ("99.5", "manual")


CSV = {"Content-Type": "text/csv"}
CSV_PATH = "/api/v1/market/manual-prices/csv"


async def manual_history(engine) -> list[tuple[Decimal, str]]:  # type: ignore[no-untyped-def]
    query = select(PriceHistory.price, PriceHistory.currency).where(
        PriceHistory.source == "manual")  # fmt: skip
    async with engine.connect() as conn:
        return [(Decimal(price), currency) for price, currency in await conn.execute(query)]


class TestManualPricesCsv:
    async def test_good_file_stored(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        text = "symbol,price,currency,as_of\r\nHOUSE,250000.50,EUR,2025-06-30\r\n"
        done = await api.post(CSV_PATH, content=text, headers=admin)
        assert done.status_code == 200, done.text
        assert done.json()["accepted"] == 1 and done.json()["changed"] == ["HOUSE"]
        assert await manual_history(engine) == [(Decimal("250000.50"), "EUR")]
        report = await api.post(
            "/api/v1/market/refresh?wait=true", headers=bearer(settings, Role.ADMIN)
        )
        assert report.status_code == 200 and "HOUSE" not in report.json()["unpriced"]
        quote = (await api.get("/api/v1/market/quotes/HOUSE")).json()
        assert (quote["price"], quote["currency"], quote["source"]) == ("250000.50", "EUR",
                                                                         "manual")  # fmt: skip
        assert quote["as_of"].startswith("2025-06-30T00:00:00")

    async def test_previous_close_column(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        text = "symbol,price,currency,as_of,previous_close\nHOUSE,250000,EUR,2025-06-30,249000\n"
        done = await api.post(CSV_PATH, content=text, headers=admin)
        assert done.status_code == 200, done.text
        quote = (await api.get("/api/v1/market/quotes/HOUSE")).json()
        assert (quote["price"], quote["previous_close"]) == ("250000", "249000")
        bad = "symbol,price,currency,as_of,previous_close\nHOUSE,250001,EUR,2025-07-01,0\n"
        answer = await api.post(CSV_PATH, content=bad, headers=admin)
        assert answer.status_code == 422
        assert "previous_close" in answer.json()["fields"]["row 2"]
        assert await manual_history(engine) == [(Decimal("250000"), "EUR")]

    async def test_one_bad_row_writes_nothing(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        text = "symbol,price,currency,as_of\nHOUSE,250000,EUR,2025-06-30\nAAPL,-5,USD,2025-06-30\n"
        answer = await api.post(CSV_PATH, content=text, headers=admin)
        assert answer.status_code == 422 and answer.json()["error"] == "ValidationFailed"
        fields = answer.json()["fields"]
        assert list(fields) == ["row 3"] and "positive" in fields["row 3"]
        assert await manual_history(engine) == []
        assert (await api.get("/api/v1/market/quotes/HOUSE")).status_code == 404

    async def test_rows_checked_against_assets(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        text = "\n".join(["symbol,price,currency,as_of", "NOPE,1,USD,2025-06-30",
                          "HOUSE,2,EUR,2025-06-30", "HOUSE2,3,EUR,2025-06-30",
                          "AAPL,4,EUR,2025-06-30"])  # fmt: skip
        answer = await api.post(CSV_PATH, content=text, headers=admin)
        assert answer.status_code == 422
        fields = answer.json()["fields"]
        assert sorted(fields) == ["row 2", "row 4", "row 5"]
        assert "NOPE" in fields["row 2"] and "priced in USD" in fields["row 5"]
        assert await manual_history(engine) == []

    async def test_malformed_and_misfit_rows_reported_together(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        text = "\n".join(["symbol,price,currency,as_of", "HOUSE,2,EUR,2025-06-30",
                          "AAPL,-5,USD,2025-06-30", "NOPE,1,USD,2025-06-30"])  # fmt: skip
        answer = await api.post(CSV_PATH, content=text, headers=admin)
        assert answer.status_code == 422
        fields = answer.json()["fields"]
        assert sorted(fields) == ["row 3", "row 4"]
        assert "positive" in fields["row 3"] and "NOPE" in fields["row 4"]
        assert await manual_history(engine) == []

    async def test_out_of_range_rows_are_422(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        """Each was a 500: a time the UTC conversion overflows, a field past the csv module's
        limit, a price the column would round to 0 (or cannot hold)."""
        admin = {**bearer(settings, Role.ADMIN), **CSV}
        cases = [
            ("HOUSE,1,EUR,0001-01-01T00:00:00+05:00", "as_of is out of range"),
            ("HOUSE,1,EUR," + "x" * 131_073, "not readable as CSV"),
            ("HOUSE,0.00000000001,EUR,2025-06-30", "at most 10 decimal places"),
            ("HOUSE,1" + "0" * 14 + ",EUR,2025-06-30", "too large"),
        ]
        for row, reason in cases:
            text = f"symbol,price,currency,as_of\n{row}\n"
            answer = await api.post(CSV_PATH, content=text, headers=admin)
            assert answer.status_code == 422, (row[:50], answer.text[:300])
            assert list(answer.json()["fields"]) == ["row 2"], row[:50]
            assert reason in answer.json()["fields"]["row 2"], row[:50]
        huge_header = await api.post(CSV_PATH, content="x" * 131_073 + "\n", headers=admin)
        assert huge_header.status_code == 422
        assert "not readable as CSV" in huge_header.json()["fields"]["row 1"]
        assert await manual_history(engine) == []

    async def test_admin_and_csv_only(self, api, settings, engine) -> None:  # type: ignore[no-untyped-def]
        text = "symbol,price,currency,as_of\nHOUSE,1,EUR,2025-06-30\n"
        user = await api.post(CSV_PATH, content=text, headers={**bearer(settings, Role.USER),
                                                                **CSV})  # fmt: skip
        assert user.status_code == 403 and user.json()["error"] == "Forbidden"
        anonymous = await api.post(CSV_PATH, content=text, headers=CSV)
        assert anonymous.status_code == 401
        as_json = await api.post(CSV_PATH, json={"text": text},
                                 headers=bearer(settings, Role.ADMIN))  # fmt: skip
        assert as_json.status_code == 415
        assert await manual_history(engine) == []


SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
    r"(-?[0-9.e+-]+|NaN|\+Inf|-Inf)$"
)


def parse_exposition(text: str) -> dict[str, list[tuple[str, float]]]:
    """A strict reader of the text format: every line a HELP, a TYPE, or a declared sample."""
    declared: dict[str, str] = {}
    samples: dict[str, list[tuple[str, float]]] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in {"gauge", "counter"} and name not in declared
            declared[name] = kind
            continue
        assert SAMPLE.match(line), line
        name = line.split("{")[0].split(" ")[0]
        assert name in declared, name
        series, value = line.rsplit(" ", 1)
        samples.setdefault(name, []).append((series, float(value)))
    return samples


class TestMetrics:
    async def test_metrics_parse(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        await api.post("/api/v1/market/refresh?wait=true", headers=bearer(settings, Role.ADMIN))
        answer = await api.get("/api/v1/market/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith(
            "text/plain; version=0.0.4")  # fmt: skip
        samples = parse_exposition(answer.text)
        healthy = dict(samples["pulsefolio_source_healthy"])
        assert healthy['pulsefolio_source_healthy{source="simulated"}'] == 1.0
        assert samples["pulsefolio_prices_cached"][0][1] == 1.0
        assert samples["pulsefolio_price_stalest_age_seconds"][0][1] >= 0
        assert samples["pulsefolio_refresh_cycle_duration_seconds"][0][1] > 0
        assert any(v > 0 for _, v in samples["pulsefolio_source_last_success_timestamp_seconds"])

    async def test_bare_path_serves_the_same_page(self, api, settings) -> None:  # type: ignore[no-untyped-def]
        await api.post("/api/v1/market/refresh?wait=true", headers=bearer(settings, Role.ADMIN))
        bare = await api.get("/metrics")
        prefixed = await api.get("/api/v1/market/metrics")
        assert bare.status_code == 200 and bare.headers["content-type"] == prefixed.headers[
            "content-type"]  # fmt: skip
        # Same families and series; values such as the stalest age move between scrapes.
        bare_samples, prefixed_samples = parse_exposition(bare.text), parse_exposition(
            prefixed.text)  # fmt: skip
        assert bare_samples.keys() == prefixed_samples.keys()
        assert "pulsefolio_refresh_leader" in bare_samples
        for name, series in bare_samples.items():
            assert [s for s, _ in series] == [s for s, _ in prefixed_samples[name]], name
        assert bare_samples["pulsefolio_prices_cached"] == [("pulsefolio_prices_cached", 1.0)]
