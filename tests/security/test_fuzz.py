"""Schemathesis over each service's OpenAPI document, against the running app over real HTTP.

The caller is an administrator who owns an account, a purchase and an API token, so generated
requests reach real rows (path ids are drawn at random and, as often, set to the caller's own)
and admin code paths. Each operation gets a few positive and negative examples, and every
check schemathesis has applies to every answer: no server error; the status, content type,
headers and body as documented; data the schema refuses is refused, data it allows accepted.

Where a request's validity depends on more than its document can say (a file's contents, the
caller's holdings, one date before another), :data:`BEYOND_THE_SCHEMA` names the operation and
why, and a schema-valid request there may also be refused with a 422 naming the field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import httpx
import schemathesis
import schemathesis.specs.openapi.checks
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

from .conftest import promote
from .routes import PARAM

if TYPE_CHECKING:
    from .conftest import AppServer, Served, Victim

EXAMPLES = 8
CHECKS = REGISTRY.get_all()

CUSTOM_RANGE = "start and end come with range=custom, in order"
BEYOND_THE_SCHEMA = {
    "POST /api/v1/imports/preview": "the file's rows are read only once it arrives",
    "POST /api/v1/imports": "the file's rows are read only once it arrives",
    "POST /api/v1/market/manual-prices/csv": "the file's rows are read only once it arrives",
    "PUT /api/v1/market/manual-prices": "each symbol must name an asset of the catalogue",
    "PUT /api/v1/market/manual-fx": "a rate is positive and fits its column",
    "PUT /api/v1/market/assets/{symbol}/sources": "a source may appear once in the list",
    "POST /api/v1/accounts/{account_id}/transactions": "a sale needs the quantity held",
    "PATCH /api/v1/transactions/{transaction_id}": "a sale needs the quantity held",
    "GET /api/v1/accounts/{account_id}/transactions": "a cursor is one a page gave",
    "GET /api/v1/transactions": "a range's from comes before its to",
    "GET /api/v1/assets/{asset_id}/prices": "a range's start comes before its end",
    "GET /api/v1/reports/income": "a range's from comes before its to",
    "GET /api/v1/portfolio/history": CUSTOM_RANGE,
    "GET /api/v1/accounts/{account_id}/history": CUSTOM_RANGE,
    "GET /api/v1/portfolio/performance": CUSTOM_RANGE,
    "GET /api/v1/accounts/{account_id}/performance": CUSTOM_RANGE,
    "GET /api/v1/portfolio/benchmark": CUSTOM_RANGE,
    "GET /api/v1/accounts/{account_id}/benchmark": CUSTOM_RANGE,
    "PUT /api/v1/allocation/targets": "a dimension's weights sum to 100, each key known once",
    "GET /api/v1/allocation": "new cash fits an amount's column",
    "POST /api/v1/me/password": "the current password is the caller's",
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]


def _config() -> SchemathesisConfig:
    """Schemathesis's own settings, but for the operations of :data:`BEYOND_THE_SCHEMA`."""
    refusable = {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}}
    operations = [{"include-name": name, "checks": refusable} for name in BEYOND_THE_SCHEMA]
    return SchemathesisConfig.from_dict({"operations": operations})


def fuzz(
    document: dict[str, Any], base_url: str, token: Callable[[], str], ids: dict[str, int]
) -> list[str]:
    """Run every operation of ``document``; the failures found, one line each. Each case signs
    in with a fresh ``token()``: a generated ``DELETE /me/sessions`` ends every earlier one."""
    schema = schemathesis.openapi.from_dict(document, config=_config())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        own = {name: ids[name] for name in PARAM.findall(operation.path) if name in ids}
        strategies = [
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ]
        if own:
            strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=own))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(st.one_of(strategies))
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=base_url, headers=_sign_in(case, token), timeout=15)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:2000])
    return failures


def _sign_in(case: schemathesis.Case, token: Callable[[], str]) -> dict[str, str]:
    """The case's Authorization header: a valid token, unless the case left the header out on
    purpose (a negative case of the security scheme's header), which must then be refused."""
    removed = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    if removed and "authorization" not in {name.lower() for name in case.headers or {}}:
        return {}
    return {"Authorization": f"Bearer {token()}"}


async def _document(base_url: str, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get(path)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]


async def test_portfolio_api_survives_fuzzing(
    app_server: AppServer, victim: Victim, settings: Settings, db: AsyncEngine
) -> None:
    await promote(db, victim.user.id)
    document = await _document(app_server.base_url, "/api/v1/openapi.json")
    assert len(document["paths"]) > 10
    admin = partial(issue_access_token, settings, victim.user.id, Role.ADMIN)
    failures = await asyncio.to_thread(fuzz, document, app_server.base_url, admin, victim.ids)
    assert not failures, "\n\n".join(failures)
    health = await victim.user.client.get("/api/v1/health")
    assert health.status_code == 200


async def test_asset_api_survives_fuzzing(
    asset_server: Served, victim: Victim, settings: Settings, db: AsyncEngine
) -> None:
    await promote(db, victim.user.id)
    document = await _document(asset_server.base_url, "/api/v1/market/openapi.json")
    admin = partial(issue_access_token, settings, victim.user.id, Role.ADMIN)
    failures = await asyncio.to_thread(fuzz, document, asset_server.base_url, admin, victim.ids)
    assert not failures, "\n\n".join(failures)
