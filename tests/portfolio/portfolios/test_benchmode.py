"""Bench-mode routes: absent unless ``bench_mode``; the Python ceiling and the naive baseline
need a valid token like the real route, and the naive one answers from PostgreSQL alone."""

from __future__ import annotations

from typing import Any

import httpx
from engine.fixtures import seed  # tests/portfolio/engine (rootdir-relative test package)

from pulsefolio.core.domain import Role

ROUTES = ("/api/v1/bench/fixed", "/api/v1/bench/naive")
FIGURES = ("price", "price_origin", "value", "value_base", "cost_basis", "cost_basis_base")


def row(body: dict[str, Any], symbol: str) -> dict[str, Any]:
    found = next(r for r in body["holdings"] if r["symbol"] == symbol)
    return {key: found[key] for key in FIGURES}


class TestBenchMode:
    async def test_routes_are_absent_unless_bench_mode(self, make_user) -> None:  # type: ignore[no-untyped-def]
        eve = await make_user()
        for path in (*ROUTES, "/api/v1/bench/status"):
            assert (await eve.client.get(path)).status_code == 404, path
        assert (await eve.client.post("/api/v1/bench/revalue")).status_code == 404

    async def test_ceiling_and_naive_answer_a_token_holder_only(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache
    ) -> None:
        bench = await start_app("bench", settings.model_copy(update={"bench_mode": True}))
        eve = await make_user(base_currency="EUR", server=bench)
        await seed(db, cache, eve.id)
        async with httpx.AsyncClient(base_url=bench.base_url, timeout=10) as anonymous:
            for path in ROUTES:
                assert (await anonymous.get(path)).status_code == 401, path
                bad = await anonymous.get(path, headers={"Authorization": "Bearer nonsense"})
                assert bad.status_code == 401, path
        naive = (await eve.client.get("/api/v1/bench/naive")).json()
        # Stored prices only: AAPL 15 × 70 × 0.8 = 840, SAP 8 × 130 = 1040,
        # VWRL 40 × 90 × 1.2 = 4320 EUR.
        assert naive["total_value"] == "6200.00"
        assert {r["price_origin"] for r in naive["holdings"]} == {"database"}
        real = (await eve.client.get("/api/v1/portfolio")).json()
        assert row(naive, "SAP") == row(real, "SAP")  # not in the cache: the same figures
        assert row(real, "AAPL")["price"] == "80"  # the engine's cached price
        first = await eve.client.get("/api/v1/bench/fixed")
        assert first.status_code == 200
        assert (await eve.client.get("/api/v1/bench/fixed")).content == first.content

    async def test_the_ceiling_carries_nobodys_data(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user, db, cache
    ) -> None:
        """The fixed body has the size of the first caller's answer and none of its content:
        it once was that answer, served to every later caller."""
        bench = await start_app("bench", settings.model_copy(update={"bench_mode": True}))
        eve = await make_user(base_currency="EUR", server=bench)
        await seed(db, cache, eve.id)
        mallory = await make_user(server=bench)
        own = await eve.client.get("/api/v1/portfolio")
        first = await eve.client.get("/api/v1/bench/fixed")
        assert first.status_code == 200 and len(first.content) == len(own.content)
        assert set(first.json()) == {"fixed"} and set(first.json()["fixed"]) == {"x"}
        theirs = await mallory.client.get("/api/v1/bench/fixed")
        assert theirs.status_code == 200 and theirs.content == first.content

    async def test_status_and_revalue_are_for_admins(  # type: ignore[no-untyped-def]
        self, start_app, settings, make_user
    ) -> None:
        """Both answered anyone; revalue holds the event loop for up to 50 revaluations."""
        bench = await start_app("bench", settings.model_copy(update={"bench_mode": True}))
        eve = await make_user(server=bench)
        admin = await make_user(role=Role.ADMIN, server=bench)
        calls = (("GET", "/api/v1/bench/status"), ("POST", "/api/v1/bench/revalue?repeat=2"))
        async with httpx.AsyncClient(base_url=bench.base_url, timeout=10) as anonymous:
            for method, path in calls:
                assert (await anonymous.request(method, path)).status_code == 401, path
                assert (await eve.client.request(method, path)).status_code == 403, path
        status = (await admin.client.get("/api/v1/bench/status")).json()
        assert status["instance"] == "bench" and isinstance(status["users"], int)
        timings = (await admin.client.post("/api/v1/bench/revalue?repeat=2")).json()
        assert timings["revalue_seconds"] > 0 and timings["floor_seconds"] > 0
