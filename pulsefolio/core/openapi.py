"""The OpenAPI document as the service really answers.

FastAPI documents a route's success and, where it has parameters, a 422 in its own body shape.
A route also answers 401 without a valid token, 403 to a non-admin, 404 for an id that is not
the caller's, 413 to a body over ``request_max_bytes``, 503 with ``Retry-After`` while a server
it needs is down, and some 409 or 429.
:func:`describe_answers` adds what every route shares from what the route depends on (the
sign-in and admin dependencies, its path parameters); a route states the rest itself with
``responses=errors(409)``. Every error body is :class:`~pulsefolio.core.web.ErrorBody`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from pulsefolio.core.schemas import exact_bounds

BEARER = "bearerAuth"
_ERROR_REF = "#/components/schemas/ErrorBody"
_VALIDATION_REF = "#/components/schemas/HTTPValidationError"

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds after which the same request may succeed.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}

REASONS: dict[int, str] = {
    400: "The request cannot be read",
    401: "No valid access token (missing, expired, revoked or of a deleted user)",
    403: "Administrators only",
    404: "No such resource, or it belongs to someone else",
    409: "The request conflicts with the resource's current state",
    413: "The body is larger than the service accepts",
    415: "The body's content type is not one the route reads",
    422: "Invalid input: ``fields`` names each field and what is wrong",
    429: "Too many attempts; Retry-After says when to try again",
    503: "A server the platform needs is unreachable; the same request may succeed later",
}

_HEADERS: dict[int, dict[str, Any]] = {429: _RETRY_AFTER, 503: _RETRY_AFTER}

Dependencies = Collection[Callable[..., Any]]


class ErrorBody(BaseModel):
    """The body of every error answer."""

    error: str = Field(description="The error's kind, such as NotFound or ValidationFailed.")
    detail: str
    fields: dict[str, str] = Field(
        default_factory=dict, description="Invalid input: each field's path and what is wrong."
    )


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that also answers ``statuses`` with an error body."""
    return {status: _error_response(status, model=True) for status in statuses}


def content(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route whose success may also come as ``media_type`` text."""
    text = {media_type: {"schema": {"type": "string"}}}
    return {200: {"description": description, "content": text}}


def _error_response(status: int, *, model: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": REASONS[status]}
    if model:
        answer["model"] = ErrorBody
    else:
        answer["content"] = {"application/json": {"schema": {"$ref": _ERROR_REF}}}
    if status in _HEADERS:
        answer["headers"] = _HEADERS[status]
    return answer


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    return (sub.call for sub in _with_subs(dependant) if sub.call is not None)


def _shared_statuses(
    route: RouteContext, signed_in: Dependencies, admin: Dependencies
) -> list[int]:
    calls = set(_calls(route.dependant))
    statuses = [503]
    if calls & set(signed_in) or calls & set(admin):
        statuses.append(401)
    if calls & set(admin):
        statuses.append(403)
    if route.dependant.path_params or any(name.endswith("_id") for name in _input_names(route)):
        statuses.append(404)
    return statuses


def _input_names(route: RouteContext) -> Iterator[str]:
    """The names of a route's query parameters and of its body's top-level fields."""
    for dependant in _with_subs(route.dependant):
        for param in dependant.query_params:
            yield param.name
        for param in dependant.body_params:
            model = param.field_info.annotation
            if isinstance(model, type) and issubclass(model, BaseModel):
                yield from model.model_fields


def _with_subs(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _with_subs(sub)


def describe_answers(
    app: FastAPI,
    *,
    signed_in: Dependencies = (),
    admin: Dependencies = (),
) -> None:
    """Make ``app``'s OpenAPI document state the errors its routes answer, the bearer scheme
    the signed-in routes need (Swagger UI's Authorize button), and 422s as they are sent.
    ``signed_in`` and ``admin`` are the dependencies that refuse a caller with 401 (and 403)."""
    generate = app.openapi

    described: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = generate()  # FastAPI's own, cached until the routes change
        if described and described[0] is document:
            return document
        described[:] = [document]
        exact_bounds(document)
        components = document.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["ErrorBody"] = ErrorBody.model_json_schema()
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = ErrorBody.model_json_schema()
            schemas.pop("ValidationError", None)
        components["securitySchemes"] = {
            BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
        }
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            statuses = _shared_statuses(route, signed_in, admin)
            for method in route.methods or ():
                operation = document["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in statuses + ([413] if "requestBody" in operation else []):
                    responses.setdefault(str(status), _error_response(status))
                if 401 in statuses:
                    operation["security"] = [{BEARER: []}]
                _accept_either_422(responses)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _accept_either_422(responses: dict[str, Any]) -> None:
    """A route documenting a 422 body of its own may still answer request validation's."""
    body = responses.get("422", {}).get("content", {}).get("application/json", {})
    if body.get("schema", {}).get("$ref", _VALIDATION_REF) != _VALIDATION_REF:
        body["schema"] = {"anyOf": [body["schema"], {"$ref": _VALIDATION_REF}]}
