"""Refusals that happen before a route runs, named as every other refusal is.

A validation error names its field by where it was sent: ``query.start``, ``path.account_id``,
a body field by its path inside the body (``lots.0.quantity``), and the body itself ``body``
(absent, not JSON, not UTF-8, nested too deeply, or sent as another content type). A method the
path does not have is a 405 whose ``Allow`` lists every method the path has, not only the first
route's.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import Match

_LOCATIONS = ("query", "path", "header", "cookie")
_UNPARSED_BODY = "There was an error parsing the body"
_NAMES = {404: "NotFound", 405: "MethodNotAllowed", 413: "PayloadTooLarge"}


def invalid(fields: dict[str, str], detail: str = "invalid request") -> JSONResponse:
    body = {"error": "ValidationFailed", "detail": detail, "fields": fields}
    return JSONResponse(body, status_code=422)


def validation_fields(request: Request, exc: RequestValidationError) -> dict[str, str]:
    """Each error of ``exc`` as field name -> reason; the first reason of a field wins."""
    fields: dict[str, str] = {}
    for error in exc.errors():
        name, reason = _named(request, error, exc.body)
        fields.setdefault(name, reason)
    return fields


def _named(request: Request, error: dict[str, Any], body: Any) -> tuple[str, str]:
    where, *path = error["loc"]
    reason = str(error["msg"]).removeprefix("Value error, ")
    if where in _LOCATIONS:
        return ".".join(str(part) for part in (where, *path)), reason
    if error["type"] == "json_invalid":
        return "body", _json_reason(error, body)
    if path:
        return ".".join(str(part) for part in path), reason
    if error["type"] == "missing":
        return "body", "a JSON body is required"
    if not _sent_as_json(request):
        return "body", "send the body as JSON, with Content-Type: application/json"
    return "body", reason


def _json_reason(error: dict[str, Any], document: Any) -> str:
    reason = f"not valid JSON: {error.get('ctx', {}).get('error', 'cannot be read')}"
    position = error["loc"][-1]
    if isinstance(document, str) and isinstance(position, int):
        line = document.count("\n", 0, position) + 1
        column = position - document.rfind("\n", 0, position)
        reason += f" (line {line}, column {column})"
    return reason


def _sent_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type in ("", "application/json") or media_type.endswith("+json")


def unparsed_body_reason(exc: HTTPException) -> str | None:
    """Why FastAPI could not read a JSON body (its bare 400), or None for any other error."""
    if exc.status_code != 400 or exc.detail != _UNPARSED_BODY:
        return None
    cause = exc.__cause__
    if isinstance(cause, RecursionError):
        return "not readable JSON: nested too deeply"
    if isinstance(cause, UnicodeError):
        return "not valid UTF-8"
    if isinstance(cause, json.JSONDecodeError):
        return f"not valid JSON: {cause.msg} (line {cause.lineno}, column {cause.colno})"
    return "not readable JSON"


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers at the request's path."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


def http_refusal(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's and FastAPI's own HTTP errors in the shape of ours."""
    reason = unparsed_body_reason(exc)
    if reason is not None:
        return invalid({"body": reason})
    headers = dict(exc.headers or {})
    detail = str(exc.detail)
    if exc.status_code == 405:
        allowed = allowed_methods(request) or headers.get("Allow", "").split(", ")
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}"
    body = {"error": _NAMES.get(exc.status_code, "HTTPError"), "detail": detail}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
