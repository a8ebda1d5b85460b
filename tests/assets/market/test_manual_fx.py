"""``PUT /api/v1/market/manual-fx``: admin-entered FX rates land in ``fx_rates``, all or none."""

from __future__ import annotations

from decimal import Decimal

import httpx
from sqlalchemy import func, select
from test_market_endpoints import api, bearer

from pulsefolio.core.db.models import FxRate
from pulsefolio.core.domain import Role

__all__ = ["api"]
URL = "/api/v1/market/manual-fx"


async def _rows(engine) -> list[tuple[str, str, str, Decimal, str]]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(FxRate.base, FxRate.quote, func.to_char(FxRate.as_of, "YYYY-MM-DD"),
                   FxRate.rate, FxRate.source).order_by(FxRate.as_of)
        )  # fmt: skip
        return [tuple(row) for row in rows]  # type: ignore[misc]


class TestManualFx:
    async def test_admin_enters_rates_of_past_days(  # type: ignore[no-untyped-def]
        self, api: httpx.AsyncClient, settings, engine
    ) -> None:
        body = {"rates": [
            {"base": "USD", "quote": "CHF", "rate": "0.9012", "as_of": "2026-01-02T16:00:00Z"},
            {"base": "USD", "quote": "CHF", "rate": "0.8875", "as_of": "2026-01-05T16:00:00Z"},
        ]}  # fmt: skip

        done = await api.put(URL, json=body, headers=bearer(settings, Role.ADMIN))

        assert done.status_code == 200, done.text
        assert (done.json()["accepted"], done.json()["fx_rows"]) == (2, 2)
        assert await _rows(engine) == [
            ("USD", "CHF", "2026-01-02", Decimal("0.9012"), "manual"),
            ("USD", "CHF", "2026-01-05", Decimal("0.8875"), "manual"),
        ]

    async def test_bad_rows_are_named_and_nothing_is_written(  # type: ignore[no-untyped-def]
        self, api: httpx.AsyncClient, settings, engine
    ) -> None:
        admin = bearer(settings, Role.ADMIN)
        good = {"base": "EUR", "quote": "USD", "rate": "1.1", "as_of": "2026-01-02T16:00:00Z"}
        cases = [
            ({**good, "quote": "EUR"}, "rates.1.quote"),
            ({**good, "as_of": "2999-01-01T00:00:00Z"}, "rates.1.as_of"),
            ({**good, "as_of": "0001-01-01T00:00:00+05:00"}, "rates.1.as_of"),
            ({**good, "rate": "-1"}, "rate"),
            ({**good, "rate": 1.1}, "rate"),  # a JSON number, not a string
            ({**good, "base": "euro"}, "base"),
            ({**good, "as_of": "2026-01-02T16:00:00"}, "as_of"),  # no UTC offset
        ]
        for row, field in cases:
            answer = await api.put(URL, json={"rates": [good, row]}, headers=admin)
            assert answer.status_code == 422, row
            assert field in answer.text, (field, answer.text)
        user = await api.put(URL, json={"rates": [good]}, headers=bearer(settings, Role.USER))
        assert user.status_code == 403
        assert await _rows(engine) == []

    async def test_rates_past_their_column_are_422(  # type: ignore[no-untyped-def]
        self, api: httpx.AsyncClient, settings, engine
    ) -> None:
        """A rate the column rounds to 0 failed its CHECK (rate > 0): a 500."""
        admin = bearer(settings, Role.ADMIN)
        row = {"base": "EUR", "quote": "USD", "as_of": "2026-01-02T16:00:00Z"}
        for rate, reason in (("0.0000000000001", "at most 12 decimal places"),
                             ("1" + "0" * 12, "too large")):  # fmt: skip
            answer = await api.put(URL, json={"rates": [{**row, "rate": rate}]}, headers=admin)
            assert answer.status_code == 422, answer.text
            assert reason in answer.json()["fields"]["rates.0.rate"]
        assert await _rows(engine) == []
