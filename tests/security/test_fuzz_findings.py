"""What fuzzing found, pinned: each was a 500 or an answer its OpenAPI document did not describe."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .conftest import Victim

TOO_BIG = str(2**64)


async def test_correction_that_breaks_the_type_is_422(victim: Victim) -> None:
    """Clearing a purchase's asset used to reach the database's check constraint (500)."""
    url = f"/api/v1/transactions/{victim.ids['transaction_id']}"
    response = await victim.user.client.patch(url, json={"asset_id": None})
    assert response.status_code == 422, response.text
    assert "asset_id" in response.json()["fields"]
    unchanged = (await victim.user.client.get(url)).json()
    assert unchanged["asset_id"] == victim.ids["asset_id"]


async def test_ids_past_64_bits_are_422_naming_the_parameter(victim: Victim) -> None:
    """Python integers are unbounded; PostgreSQL's bigint is not (was a 500). The bound is
    declared, so the id is refused before any query."""
    for method, path, name in (
        ("GET", f"/api/v1/accounts/{TOO_BIG}", "account_id"),
        ("DELETE", f"/api/v1/tokens/{TOO_BIG}", "token_id"),
        ("GET", f"/api/v1/transactions/{TOO_BIG}", "transaction_id"),
    ):
        response = await victim.user.client.request(method, path)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["fields"] == {
            f"path.{name}": "Input should be less than or equal to 9223372036854775807"
        }, path


async def test_validation_errors_match_the_openapi_document(victim: Victim) -> None:
    document = (await victim.user.client.get("/api/v1/openapi.json")).json()
    schema = document["components"]["schemas"]["HTTPValidationError"]
    assert set(schema["required"]) == {"error", "detail"}
    bad = await victim.user.client.post("/api/v1/accounts", json={"name": ""})
    assert bad.status_code == 422
    assert set(bad.json()) <= set(schema["properties"])
