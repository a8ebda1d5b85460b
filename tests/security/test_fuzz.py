"""Schemathesis over each service's OpenAPI document, against the running app over real HTTP.

The caller is an administrator who owns an account, a purchase and an API token, so generated
requests reach real rows (path ids are drawn at random and, as often, set to the caller's own)
and admin code paths. Each operation gets a few positive and negative examples; every answer
must be below 500 and, when documented, match its response schema.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

from .routes import PARAM

if TYPE_CHECKING:
    from .conftest import AppServer, Served, Victim

EXAMPLES = 8
CHECKS = [not_a_server_error, response_schema_conformance]


def fuzz(document: dict[str, Any], base_url: str, token: str, ids: dict[str, int]) -> list[str]:
    """Run every operation of ``document``; the failures found, one line each."""
    schema = schemathesis.openapi.from_dict(document)
    headers = {"Authorization": f"Bearer {token}"}
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
            response = case.call(base_url=base_url, headers=headers, timeout=15)
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:2000])
    return failures


async def _document(base_url: str, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get(path)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]


async def test_portfolio_api_survives_fuzzing(
    app_server: AppServer, victim: Victim, db: AsyncEngine
) -> None:
    async with db.begin() as conn:
        await conn.execute(
            text("UPDATE users SET role = :role WHERE id = :id"),
            {"role": Role.ADMIN.value, "id": victim.user.id},
        )
    document = await _document(app_server.base_url, "/api/v1/openapi.json")
    assert len(document["paths"]) > 10
    failures = await asyncio.to_thread(
        fuzz, document, app_server.base_url, victim.user.access_token, victim.ids
    )
    assert not failures, "\n\n".join(failures)
    health = await victim.user.client.get("/api/v1/health")
    assert health.status_code == 200


async def test_asset_api_survives_fuzzing(
    asset_server: Served, victim: Victim, settings: Settings, db: AsyncEngine
) -> None:
    async with db.begin() as conn:  # the asset service reads the role from the database
        await conn.execute(
            text("UPDATE users SET role = :role WHERE id = :id"),
            {"role": Role.ADMIN.value, "id": victim.user.id},
        )
    document = await _document(asset_server.base_url, "/api/v1/market/openapi.json")
    admin = issue_access_token(settings, victim.user.id, Role.ADMIN)
    failures = await asyncio.to_thread(fuzz, document, asset_server.base_url, admin, victim.ids)
    assert not failures, "\n\n".join(failures)
