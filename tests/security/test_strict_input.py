"""Input only in the documented forms: no NUL in stored text, numbers and ids as the API writes
them, and every bound the routes enforce declared in the OpenAPI documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

import httpx
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import Role
from pulsefolio.core.schemas import CURRENCY_PATTERN, DECIMAL_PATTERN, MAX_ID, RequestBody
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

from .conftest import promote, serve_assets

if TYPE_CHECKING:
    from .conftest import AppServer, Served, Victim

Count = Callable[[str], Awaitable[int]]
TABLES = ("users", "accounts", "transactions", "api_tokens", "assets", "price_history")
NUL = "contains a NUL character"
BUY = {"type": "BUY", "executed_at": "2024-02-01T00:00:00Z", "quantity": "1", "price": "1"}


async def _counts(count_rows: Count) -> dict[str, int]:
    return {table: await count_rows(table) for table in TABLES}


def _refused(response: httpx.Response, field: str, reason: str | None = None) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "ValidationFailed", body
    assert field in body["fields"], body
    if reason is not None:
        assert body["fields"][field] == reason, body


def _bodies(victim: Victim) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, field) of writes whose one bad field is a NUL character."""
    account = f"/api/v1/accounts/{victim.ids['account_id']}"
    transaction = f"/api/v1/transactions/{victim.ids['transaction_id']}"
    buy = {**BUY, "asset_id": victim.ids["asset_id"]}
    yield "POST", "/api/v1/accounts", {"name": "Main\0", "currency": "USD"}, "name"
    yield "PATCH", account, {"name": "x\0y"}, "name"
    yield "POST", f"{account}/transactions", {**buy, "note": "a\0b"}, "note"
    yield "PATCH", transaction, {"note": "\0"}, "note"
    yield "POST", "/api/v1/tokens", {"name": "script\0"}, "name"
    yield "POST", "/api/v1/auth/login", {"email": "a\0@b.example", "password": "x" * 12}, "email"
    yield "POST", "/api/v1/auth/refresh", {"refresh_token": "\0"}, "refresh_token"


class TestNul:
    async def test_every_text_field_refuses_it_by_name(
        self, victim: Victim, count_rows: Count
    ) -> None:
        before = await _counts(count_rows)
        for method, path, body, field in _bodies(victim):
            response = await victim.user.client.request(method, path, json=body)
            _refused(response, field, NUL)
        _refused(await victim.user.client.get("/api/v1/assets", params={"q": "a\0"}), "query.q")
        assert await _counts(count_rows) == before
        after = await victim.user.client.get(f"/api/v1/transactions/{victim.ids['transaction_id']}")
        assert "\0" not in (after.json()["note"] or "")

    async def test_a_nested_field_is_named_by_its_path(
        self, asset_server: Served, victim: Victim, settings: Settings, db: AsyncEngine,
        count_rows: Count,
    ) -> None:  # fmt: skip
        before = await _counts(count_rows)
        async with await _admin(asset_server, victim, settings, db) as http:
            body = {"prices": [{"symbol": "AAPL", "price": "1"}, {"symbol": "A\0", "price": "1"}]}
            _refused(await http.put("/api/v1/market/manual-prices", json=body), "prices.1.symbol")
            sources = {"sources": [{"source": "yahoo", "provider_symbol": "\0"}]}
            response = await http.put("/api/v1/market/assets/AAPL/sources", json=sources)
            _refused(response, "sources.0.provider_symbol", NUL)
        assert await _counts(count_rows) == before

    def test_every_request_body_of_both_services_is_checked(
        self, app_server: AppServer, asset_server: Served
    ) -> None:
        apps = [app_server.app, asset_server.app]
        models = {model for app in apps for model in _body_models(app)}
        assert len(models) > 15, models
        unchecked = sorted(m.__name__ for m in models if not issubclass(m, RequestBody))
        assert not unchecked, f"request bodies not derived from RequestBody: {unchecked}"


def _body_models(app: Any) -> Iterator[type[BaseModel]]:
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for context in contexts() if contexts is not None else [route]:
            original = getattr(context, "original_route", context)
            if isinstance(original, APIRoute) and original.body_field is not None:
                yield from _models(original.body_field.field_info.annotation)


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation)
    for argument in getattr(annotation, "__args__", ()):
        yield from _models(argument)


async def _admin(
    asset_server: Served, victim: Victim, settings: Settings, db: AsyncEngine
) -> httpx.AsyncClient:
    await promote(db, victim.user.id)
    token = issue_access_token(settings, victim.user.id, Role.ADMIN)
    return httpx.AsyncClient(
        base_url=asset_server.base_url, headers={"Authorization": f"Bearer {token}"}
    )


class TestNumbers:
    async def test_decimals_only_as_json_numbers_or_plain_strings(
        self, victim: Victim, count_rows: Count
    ) -> None:
        url = f"/api/v1/accounts/{victim.ids['account_id']}/transactions"
        buy = {**BUY, "asset_id": victim.ids["asset_id"]}
        before = await _counts(count_rows)
        for loose in ("1_000", "  5 ", "5 ", "1e3", "", "+", ".", "0x10", "5,0", "Infinity"):
            _refused(
                await victim.user.client.post(url, json={**buy, "quantity": loose}), "quantity"
            )
        for loose in (True, False, [], {}):
            _refused(await victim.user.client.post(url, json={**buy, "fee": loose}), "fee")
        assert await _counts(count_rows) == before
        for form in ("1000", ".5", "12.", "+2", 3, 2.5):
            response = await victim.user.client.post(url, json={**buy, "quantity": form})
            assert response.status_code == 201, (form, response.text)

    async def test_ids_and_counts_in_bodies_are_json_integers(
        self, victim: Victim, count_rows: Count
    ) -> None:
        account, asset = victim.ids["account_id"], victim.ids["asset_id"]
        url = f"/api/v1/accounts/{account}/transactions"
        content = "date,symbol,type,quantity,price\n2025-01-02,AAPL,buy,1,10\n"
        before = await _counts(count_rows)
        for loose in (False, True, str(account), account + 0.5, 0, -1, MAX_ID + 1):
            preview = {"format": "csv", "content": content, "account_id": loose}
            response = await victim.user.client.post("/api/v1/imports/preview", json=preview)
            _refused(response, "account_id")
            _refused(
                await victim.user.client.post(url, json={**BUY, "asset_id": loose}), "asset_id"
            )
            token = {"name": "t", "expires_in_days": loose if loose != account else True}
            _refused(await victim.user.client.post("/api/v1/tokens", json=token), "expires_in_days")
        # JSON Schema's integers include 42.0, and so does every id the routes take
        whole = {"format": "csv", "content": content, "account_id": float(account)}
        preview = await victim.user.client.post("/api/v1/imports/preview", json=whole)
        assert preview.status_code == 200, preview.text
        assert preview.json()["rows"][0]["account_id"] == account
        sell = {**BUY, "type": "SELL", "lots": [{"lot_id": True, "quantity": "1"}]}
        _refused(
            await victim.user.client.post(url, json={**sell, "asset_id": asset}), "lots.0.lot_id"
        )
        assert await _counts(count_rows) == before

    async def test_path_and_query_numbers_are_plain_digits(self, victim: Victim) -> None:
        account = victim.ids["account_id"]
        client = victim.user.client
        for loose in (
            "1_0",
            f" {account}",
            f"{account} ",
            "+1",
            "true",
            "1.0",
            "0",
            str(MAX_ID + 1),
        ):
            _refused(await client.get(f"/api/v1/accounts/{loose}"), "path.account_id")
            _refused(await client.get(f"/api/v1/transactions/{loose}"), "path.transaction_id")
        for name, loose in (("limit", "1_0"), ("limit", " 5"), ("offset", "true")):
            response = await client.get("/api/v1/transactions", params={name: loose})
            _refused(response, f"query.{name}")
        response = await client.get("/api/v1/transactions", params={"account_id": "false"})
        _refused(response, "query.account_id.0")
        response = await client.get(
            f"/api/v1/accounts/{account}/history", params={"asset_id": "1_0"}
        )
        _refused(response, "query.asset_id")
        _refused(
            await client.get("/api/v1/reports/tax-lots", params={"year": "2_024"}), "query.year"
        )
        assert (await client.get(f"/api/v1/accounts/{account}")).status_code == 200


class TestDeclared:
    """What the routes refuse is what the documents declare, so a schema-driven fuzzer's valid
    values are accepted and its invalid ones refused."""

    async def test_refusals_that_the_document_declares(self, victim: Victim) -> None:
        client = victim.user.client
        for currency in ("", "US", "USDX", "U$D", "ÜSD"):
            body = {"name": "Main", "currency": currency}
            _refused(await client.post("/api/v1/accounts", json=body), "currency")
        for cursor in ("é", "abc=", "a b", "a/b"):
            response = await client.get(
                f"/api/v1/accounts/{victim.ids['account_id']}/transactions",
                params={"cursor": cursor},
            )
            _refused(response, "query.cursor")
        document = (await client.get("/api/v1/openapi.json")).json()
        schemas = document["components"]["schemas"]
        assert schemas["AccountCreate"]["properties"]["currency"]["pattern"] == CURRENCY_PATTERN
        listing = document["paths"]["/api/v1/accounts/{account_id}/transactions"]["get"]
        (cursor_param,) = [p for p in listing["parameters"] if p["name"] == "cursor"]
        patterns = [s.get("pattern") for s in cursor_param["schema"]["anyOf"]]
        assert r"^[A-Za-z0-9_-]*$" in patterns
        quantity = schemas["TransactionCreate"]["properties"]["quantity"]
        assert {"type": "string", "pattern": DECIMAL_PATTERN} in quantity["anyOf"]

    async def test_every_id_is_declared_within_bigint(
        self, victim: Victim, asset_server: Served
    ) -> None:
        document = (await victim.user.client.get("/api/v1/openapi.json")).json()
        async with httpx.AsyncClient(base_url=asset_server.base_url) as http:
            market = (await http.get("/api/v1/market/openapi.json")).json()
        found = list(_integers(document)) + list(_integers(market))
        ids = [(where, schema) for where, schema in found if where.endswith("_id")]
        assert len(ids) > 20, ids
        for where, schema in ids:
            assert (schema.get("minimum"), schema.get("maximum")) == (1, MAX_ID), where
        for where, schema in found:  # a bound given as ge/le would be ignored by fuzzers
            assert not {"ge", "le", "gt", "lt"} & set(schema), where


def _integers(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) of every integer a request may send: parameters and request bodies."""
    schemas = document["components"]["schemas"]
    bodies: set[str] = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method} {path} {parameter['name']}"
                yield from _integer_schemas(where, parameter["schema"])
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _referenced(media.get("schema", {}), schemas, bodies)
    for name in sorted(bodies):
        for prop, sub in schemas[name].get("properties", {}).items():
            yield from _integer_schemas(f"{name}.{prop}", sub)


def _referenced(schema: Any, schemas: dict[str, Any], found: set[str]) -> None:
    """The names of the components ``schema`` refers to, directly or through others."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _referenced(schemas[name], schemas, found)
        for value in schema.values():
            _referenced(value, schemas, found)
    elif isinstance(schema, list):
        for value in schema:
            _referenced(value, schemas, found)


def _integer_schemas(where: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    if schema.get("type") == "integer":
        yield where, schema
    for sub in [*schema.get("anyOf", []), *([schema["items"]] if "items" in schema else [])]:
        yield from _integer_schemas(where, sub)


class TestDates:
    """``start``/``end`` are ``YYYY-MM-DD``, only with ``range=custom``; a moment is ISO 8601
    with an offset. Nothing unreadable falls back to the default range."""

    UNREADABLE = ("0", "abc", "1700000000", "2024-13-01", "2024-1-5", "2024-01-01T00:00:00", "")

    async def test_an_unreadable_start_or_end_is_422_naming_it(self, victim: Victim) -> None:
        account = victim.ids["account_id"]
        client = victim.user.client
        routes = [f"{base}/{what}" for what in ("history", "performance")
                  for base in ("/api/v1/portfolio", f"/api/v1/accounts/{account}")]  # fmt: skip
        only, required = "is only for range=custom", "is required with range=custom"
        for url in routes:
            for name in ("start", "end"):
                for loose in self.UNREADABLE:
                    response = await client.get(url, params={"range": "custom", name: loose})
                    _refused(response, f"query.{name}")
                response = await client.get(url, params={name: "0"})
                _refused(
                    response,
                    f"query.{name}",
                    "must be a date written YYYY-MM-DD, such as 2026-01-31",
                )
            for params, field, reason in (
                ({"range": "1Y", "start": "2024-01-01"}, "query.start", only),
                ({"end": "2024-01-01"}, "query.end", only),
                ({"range": "custom", "start": "2024-01-01"}, "query.end", required),
            ):  # fmt: skip
                _refused(await client.get(url, params=params), field, reason)
            custom = {"range": "custom", "start": "2024-01-01", "end": "2024-03-01"}
            answer = await client.get(url, params=custom)
            assert answer.status_code == 200, (url, answer.text)
            assert (answer.json()["start"], answer.json()["end"]) == ("2024-01-01", "2024-03-01")

    async def test_prices_and_transactions_read_dates_the_same_way(self, victim: Victim) -> None:
        client = victim.user.client
        prices = f"/api/v1/assets/{victim.ids['asset_id']}/prices"
        for loose in self.UNREADABLE:
            _refused(await client.get(prices, params={"start": loose}), "query.start")
        assert (await client.get(prices, params={"start": "2024-01-01"})).status_code == 200
        for loose in ("0", "1700000000", "2024-01-02", "abc"):
            response = await client.get("/api/v1/transactions", params={"from": loose})
            _refused(response, "query.from")
        listed = await client.get("/api/v1/transactions", params={"from": "2024-01-01T00:00:00Z"})
        assert listed.status_code == 200, listed.text
        assert victim.ids["transaction_id"] in [t["id"] for t in listed.json()["items"]]


class TestBodySize:
    """A body over ``request_max_bytes`` is refused before it is read, on both services."""

    LIMIT = 4096

    @staticmethod
    def _too_large(response: httpx.Response) -> None:
        assert response.status_code == 413, response.text
        assert response.json() == {
            "error": "PayloadTooLarge",
            "detail": "the request body is larger than 4,096 bytes",
        }

    async def test_declared_or_chunked_past_the_limit_is_413_and_writes_nothing(
        self, start_app: Callable[..., Awaitable[Any]], make_user: Any, settings: Settings,
        count_rows: Count,
    ) -> None:  # fmt: skip
        small = await start_app("small", settings.model_copy(update={"request_max_bytes": 4096}))
        user = await make_user(server=small)
        before = await _counts(count_rows)
        big = {"name": "x" * 5000, "currency": "USD"}
        self._too_large(await user.client.post("/api/v1/accounts", json=big))

        parts = [b'{"currency": "USD", "name": "', *[b"x" * 1000] * 10, b'"}']
        chunked = await user.client.post(
            "/api/v1/accounts",
            content=_chunked(parts),
            headers={"Content-Type": "application/json"},
        )
        assert chunked.request.headers.get("transfer-encoding") == "chunked"
        self._too_large(chunked)
        assert await _counts(count_rows) == before
        fits = await user.client.post("/api/v1/accounts", json={"name": "Main", "currency": "USD"})
        assert fits.status_code == 201, fits.text
        document = (await user.client.get("/api/v1/openapi.json")).json()
        assert "413" in document["paths"]["/api/v1/accounts"]["post"]["responses"]

    async def test_the_asset_service_refuses_it_too(
        self, settings: Settings, victim: Victim, db: AsyncEngine
    ) -> None:

        await promote(db, victim.user.id)
        admin = {"Authorization": f"Bearer {issue_access_token(settings, victim.user.id, 'admin')}"}
        small = settings.model_copy(update={"request_max_bytes": self.LIMIT})
        rows = [b"symbol,price\n", *[b"AAPL,1\n"] * 1000]
        csv = {**admin, "Content-Type": "text/csv"}
        url = "/api/v1/market/manual-prices/csv"
        async with serve_assets(small) as served, httpx.AsyncClient(base_url=served.base_url) as h:
            self._too_large(await h.post(url, content=b"".join(rows), headers=csv))
            self._too_large(await h.post(url, content=_chunked(rows), headers=csv))


async def _chunked(parts: list[bytes]) -> AsyncIterator[bytes]:
    """A body without Content-Length: httpx sends it chunked, the service counts it as it comes."""
    for part in parts:
        yield part
