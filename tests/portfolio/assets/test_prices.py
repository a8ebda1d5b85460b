"""``GET /api/v1/assets/{id}/prices``: the last price of each UTC day within a range."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

MakeUser = Callable[..., Awaitable[Any]]


async def _record(db: AsyncEngine, asset_id: int, rows: list[tuple[str, str, str]]) -> None:
    async with db.begin() as conn:
        for as_of, source, price in rows:
            await conn.execute(
                text(
                    "INSERT INTO price_history (asset_id, as_of, source, price, currency) "
                    "VALUES (:a, :t, :s, :p, 'USD')"
                ),
                {
                    "a": asset_id,
                    "t": datetime.fromisoformat(as_of),
                    "s": source,
                    "p": Decimal(price),
                },
            )


class TestPrices:
    async def test_last_price_of_each_day_in_the_range(
        self, make_user: MakeUser, make_asset: Callable[..., Awaitable[int]], db: AsyncEngine
    ) -> None:
        user = await make_user()
        acme, other = await make_asset("ACME"), await make_asset("OTHER")
        await _record(db, acme, [
            ("2024-05-01T09:00:00Z", "yahoo", "10.10"),
            ("2024-05-01T16:00:00Z", "yahoo", "10.55"),  # the day's last
            ("2024-05-02T23:30:00-02:00", "manual", "11"),  # 2024-05-03 in UTC
            ("2024-05-06T12:00:00Z", "yahoo", "12.000001"),
        ])  # fmt: skip
        await _record(db, other, [("2024-05-01T12:00:00Z", "yahoo", "99")])
        url = f"/api/v1/assets/{acme}/prices"
        answer = await user.client.get(url, params={"start": "2024-05-01", "end": "2024-05-05"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert (body["symbol"], body["currency"], body["start"], body["end"]) == (
            "ACME", "USD", "2024-05-01", "2024-05-05",
        )  # fmt: skip
        assert [(p["date"], p["price"], p["source"]) for p in body["points"]] == [
            ("2024-05-01", "10.55", "yahoo"),
            ("2024-05-03", "11", "manual"),
        ]
        late = await user.client.get(url, params={"start": "2024-05-06", "end": "2024-05-06"})
        assert [p["price"] for p in late.json()["points"]] == ["12.000001"]

    async def test_bad_range_unknown_asset_and_signed_out(
        self, make_user: MakeUser, make_asset: Callable[..., Awaitable[int]], client: Any
    ) -> None:
        user = await make_user()
        acme = await make_asset("ACME")
        url = f"/api/v1/assets/{acme}/prices"
        backwards = await user.client.get(url, params={"start": "2024-05-02", "end": "2024-05-01"})
        assert backwards.status_code == 422 and "end" in backwards.json()["fields"]
        garbage = await user.client.get(url, params={"start": "soon"})
        assert garbage.status_code == 422 and "query.start" in garbage.json()["fields"]
        assert (await user.client.get("/api/v1/assets/999999/prices")).status_code == 404
        assert (await client.get(url)).status_code == 401
        empty = await user.client.get(url)
        assert empty.status_code == 200 and empty.json()["points"] == []
