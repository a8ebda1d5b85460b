"""``/api/v1/accounts``: create, list, read, rename, change cost method, close."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

MakeUser = Callable[..., Awaitable[Any]]


class TestAccounts:
    async def test_create_list_rename_close(self, make_user: MakeUser) -> None:
        user = await make_user()
        created = await user.client.post(
            "/api/v1/accounts", json={"name": "Broker", "currency": "eur", "kind": "retirement"}
        )
        assert created.status_code == 201
        account = created.json()
        assert (account["currency"], account["kind"], account["cost_method"]) == (
            "EUR",
            "retirement",
            "fifo",
        )
        renamed = await user.client.patch(
            f"/api/v1/accounts/{account['id']}",
            json={"name": "Broker 2", "cost_method": "average"},
        )
        assert renamed.status_code == 200
        assert (renamed.json()["name"], renamed.json()["cost_method"]) == ("Broker 2", "average")
        closed = await user.client.post(f"/api/v1/accounts/{account['id']}/close")
        assert closed.status_code == 200 and closed.json()["closed_at"] is not None
        again = await user.client.post(f"/api/v1/accounts/{account['id']}/close")
        assert again.status_code == 409
        listed = (await user.client.get("/api/v1/accounts")).json()
        assert [a["name"] for a in listed] == ["Broker 2"]
        open_only = (await user.client.get("/api/v1/accounts?include_closed=false")).json()
        assert open_only == []

    async def test_closed_account_takes_no_transactions(
        self, make_user: MakeUser, count_rows: Callable[[str], Awaitable[int]]
    ) -> None:
        user = await make_user()
        account = (
            await user.client.post("/api/v1/accounts", json={"name": "A", "currency": "USD"})
        ).json()
        await user.client.post(f"/api/v1/accounts/{account['id']}/close")
        response = await user.client.post(
            f"/api/v1/accounts/{account['id']}/transactions",
            json={"type": "DEPOSIT", "amount": "100", "executed_at": "2024-01-02T00:00:00Z"},
        )
        assert response.status_code == 409  # a state of the account, not a bad field
        assert response.json() == {"error": "Conflict", "detail": "account is closed"}
        assert await count_rows("transactions") == 0

    async def test_bad_input_is_422_with_fields(
        self, make_user: MakeUser, count_rows: Callable[[str], Awaitable[int]]
    ) -> None:
        user = await make_user()
        response = await user.client.post(
            "/api/v1/accounts", json={"name": "", "currency": "US", "cost_method": "newest"}
        )
        assert response.status_code == 422
        assert set(response.json()["fields"]) == {"name", "currency", "cost_method"}
        assert await count_rows("accounts") == 0
