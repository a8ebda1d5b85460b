"""The routes an app serves, found by walking it, and minimal requests for them from OpenAPI.

Walking ``app.routes`` (not a list kept by hand) means a route added later is covered by the
security tests the moment it is registered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


@dataclass(frozen=True, order=True)
class Endpoint:
    method: str  # "WEBSOCKET" for a WebSocket route, "MOUNT" for a mounted sub-application
    path: str
    admin: bool = False  # depends on a ``require_admin`` somewhere in its dependency tree

    @property
    def params(self) -> list[str]:
        return PARAM.findall(self.path)


def _needs_admin(dependant: Dependant | None) -> bool:
    if dependant is None:
        return False
    call = getattr(dependant.call, "__name__", "")
    return call == "require_admin" or any(_needs_admin(d) for d in dependant.dependencies)


def _walk(route: BaseRoute, prefix: str) -> list[Endpoint]:
    contexts = getattr(route, "effective_route_contexts", None)
    if contexts is not None:  # a router included lazily (FastAPI >= 0.160)
        included = route.include_context.prefix + route.original_router.prefix  # type: ignore[attr-defined]
        found: list[Endpoint] = []
        for context in contexts():
            original = context.original_route
            if isinstance(original, APIWebSocketRoute):
                found.append(Endpoint("WEBSOCKET", prefix + included + original.path))
            else:
                admin = _needs_admin(context.dependant)
                found += [Endpoint(m, prefix + context.path, admin) for m in context.methods]
        return found
    if isinstance(route, APIRoute | Route):
        admin = isinstance(route, APIRoute) and _needs_admin(route.dependant)
        return [Endpoint(m, prefix + route.path, admin) for m in route.methods or ()]
    if isinstance(route, APIWebSocketRoute | WebSocketRoute):
        return [Endpoint("WEBSOCKET", prefix + route.path)]
    if isinstance(route, Mount):
        return [Endpoint("MOUNT", prefix + route.path)]
    raise TypeError(f"unknown route type {type(route).__name__}: cover it in the security tests")


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every (method, path) the app answers, HEAD left out (it mirrors GET)."""
    found = {e for route in app.routes for e in _walk(route, "") if e.method != "HEAD"}
    return sorted(found)


def fill(path: str, values: dict[str, object]) -> str:
    """``path`` with each ``{param}`` replaced by ``values[param]``."""
    return PARAM.sub(lambda match: str(values[match.group(1)]), path)


class Sampler:
    """Minimal valid-looking JSON values for an OpenAPI schema, with named overrides."""

    def __init__(self, document: dict[str, Any], overrides: dict[str, object]) -> None:
        self.document = document
        self.overrides = overrides

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def value(self, schema: dict[str, Any], name: str = "") -> object:
        if name in self.overrides:
            return self.overrides[name]
        schema = self._resolve(schema)
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [s for s in schema[key] if self._resolve(s).get("type") != "null"]
                return self.value(options[0], name)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type", "string")
        if kind == "object":
            properties = schema.get("properties", {})
            wanted = [*schema.get("required", []), *(p for p in properties if p in self.overrides)]
            return {key: self.value(properties.get(key, {}), key) for key in dict.fromkeys(wanted)}
        if kind == "array":
            return [self.value(schema.get("items", {}), name)] if schema.get("minItems") else []
        if kind in ("integer", "number"):
            return max(1, schema.get("minimum", 1))
        if kind == "boolean":
            return False
        return self._string(schema, name)

    @staticmethod
    def _string(schema: dict[str, Any], name: str) -> str:
        if schema.get("format") == "date-time":
            return "2024-01-02T00:00:00Z"
        if schema.get("format") == "date":
            return "2024-01-02"
        if "email" in name or schema.get("format") == "email":
            return "someone@example.com"
        if "currency" in name:
            return "USD"
        if re.search(r"amount|price|quantity|fee|value", name):
            return "1"
        return "x" * max(1, schema.get("minLength", 1))

    def body(self, operation: dict[str, Any]) -> object:
        """A JSON body for the operation, or None when it takes none."""
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return None
        return self.value(content["application/json"].get("schema", {}))

    def query(self, operation: dict[str, Any]) -> dict[str, object]:
        """Required query parameters, and every ``*_id`` one (aimed at the overrides)."""
        params: dict[str, object] = {}
        for param in operation.get("parameters", []):
            param = self._resolve(param)
            wanted = param.get("required") or param["name"] in self.overrides
            if param.get("in") == "query" and wanted:
                params[param["name"]] = self.value(param.get("schema", {}), param["name"])
        return params
