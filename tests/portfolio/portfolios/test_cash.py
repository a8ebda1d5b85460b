"""Cash in the portfolio answer through the real ledger, stream and WebSocket: the total the
overview shows is the one the value history ends on.

A EUR user; stored prices and rates (no cache), USD→EUR 0.9 ten days ago and 0.8 now.

* US account (USD): BUY 10 AAPL @ 100 ten days ago (an implicit deposit: cash stays 0); SELL
  4 @ 120, fee 2, five days ago (cash 478); DIVIDEND 12, withholding 2, three days ago (cash
  488). Now AAPL is 130: holdings 6 × 130 × 0.8 = 624 EUR, cash 488 × 0.8 = 390.40 EUR.
* EU account (EUR): DEPOSIT 100 two days ago: cash 100 EUR.

Total 624 + 390.40 + 100 = 1114.40 EUR; the US account alone 624 + 390.40 = 1014.40.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import websockets
from engine.fixtures import (  # tests/portfolio/engine (rootdir-relative test package)
    NOW,
    announce,
    quote,
    rate,
    store_price,
    wait_for,
)
from sqlalchemy import text

STORED = NOW - timedelta(seconds=30)


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).replace(hour=12, minute=0).isoformat()


async def open_account(user: Any, name: str, currency: str) -> int:
    created = await user.client.post("/api/v1/accounts", json={"name": name, "currency": currency})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def post(user: Any, account: int, **body: Any) -> None:
    answer = await user.client.post(f"/api/v1/accounts/{account}/transactions", json=body)
    assert answer.status_code == 201, answer.text


async def store_rate(db: Any, pair: str, value: str, as_of: datetime) -> None:
    async with db.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO fx_rates (base, quote, as_of, source, rate)"
                " VALUES (:b, :q, :t, 'manual', :r)"
            ),
            {"b": pair[:3], "q": pair[3:], "t": as_of, "r": Decimal(value)},
        )


async def last_point(user: Any, path: str) -> str:
    history = (await user.client.get(f"{path}?range=MAX")).json()
    return str(history["points"][-1]["value"])


async def next_portfolio(socket: Any, within: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        while True:
            message = orjson.loads(await socket.recv())
            if message["type"] == "portfolio":
                return message  # type: ignore[no-any-return]


class TestCash:
    async def test_total_includes_cash_and_matches_the_history(  # type: ignore[no-untyped-def]
        self, start_app, make_user, make_asset, db, stream
    ) -> None:
        aapl = await make_asset("AAPL")
        bought = datetime.now(UTC) - timedelta(days=10)
        await store_rate(db, "USDEUR", "0.9", bought)
        await store_rate(db, "USDEUR", "0.8", STORED)
        async with db.begin() as conn:
            await store_price(conn, aapl, "100", "100", bought, "USD")
            await store_price(conn, aapl, "130", "125", STORED, "USD")
        server = await start_app("cash")  # loads the stored rates at start-up
        eve = await make_user(base_currency="EUR", server=server)
        us, eu = await open_account(eve, "US", "USD"), await open_account(eve, "EU", "EUR")
        trade = {"asset_id": aapl, "currency": "USD"}
        await post(
            eve, us, type="BUY", quantity="10", price="100", executed_at=days_ago(10), **trade
        )
        await post(eve, us, type="SELL", quantity="4", price="120", fee="2",
                   executed_at=days_ago(5), **trade)  # fmt: skip
        await post(eve, us, type="DIVIDEND", amount="12", fee="2", executed_at=days_ago(3), **trade)
        await post(eve, eu, type="DEPOSIT", amount="100", currency="EUR", executed_at=days_ago(2))

        body = await wait_for(eve.client, "/api/v1/portfolio", "1114.40")
        assert (body["holdings_value"], body["cash_value"]) == ("624.00", "490.40")
        cash = {
            (c["account_id"], c["currency"]): (c["amount"], c["amount_base"]) for c in body["cash"]
        }
        assert cash == {(us, "USD"): ("488.00", "390.40"), (eu, "EUR"): ("100.00", "100.00")}
        classes = {s["key"]: s["value"] for s in body["allocation"]["asset_class"]}
        assert classes == {"cash": "490.40", "stock": "624.00"}
        accounts = {s["name"]: s["value"] for s in body["allocation"]["account"]}
        assert accounts == {"US": "1014.40", "EU": "100.00"}
        assert await last_point(eve, "/api/v1/portfolio/history") == body["total_value"]

        path = f"/api/v1/accounts/{us}/portfolio"
        one = (await eve.client.get(path)).json()
        assert (one["total_value"], one["cash_value"]) == ("1014.40", "390.40")
        assert [c["currency"] for c in one["cash"]] == ["USD"]
        assert await last_point(eve, f"/api/v1/accounts/{us}/history") == "1014.40"

        url = f"{server.ws_url}/api/v1/portfolio/stream?access_token={eve.access_token}"
        async with websockets.connect(url) as socket:
            # AAPL 140: 6 × 140 × 0.8 = 672; the cash does not move: 672 + 490.40 = 1162.40.
            await announce(stream, [quote("AAPL", "140", "125", "USD", NOW + timedelta(seconds=5))])
            pushed = await next_portfolio(socket)
            assert (pushed["total_value"], pushed["cash_value"]) == ("1162.40", "490.40")
            # USD→EUR 0.85: 6 × 140 × 0.85 = 714, cash 488 × 0.85 = 414.80 + 100 = 514.80.
            await announce(stream, [], [rate("USDEUR", "0.85", NOW + timedelta(seconds=6))])
            pushed = await next_portfolio(socket)
        assert (pushed["total_value"], pushed["cash_value"]) == ("1228.80", "514.80")
        assert pushed["holdings_value"] == "714.00"
        body = await wait_for(eve.client, "/api/v1/portfolio", "1228.80")
        assert {c["currency"]: c["amount_base"] for c in body["cash"]} == {
            "USD": "414.80",
            "EUR": "100.00",
        }
