"""Exact decimals in and out of the JSON API.

In: a JSON number such as ``0.1`` is parsed straight into ``Decimal("0.1")`` (:class:`DecimalRoute`
swaps the request's JSON parser), so no float ever holds an amount; strings work as well.
Out: decimals are written as plain strings without exponent or trailing zeros, ``"12.5"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import PlainSerializer

from pulsefolio.core.schemas import ExactDecimal


def plain(value: Decimal) -> str:
    """``value`` as positional notation without trailing zeros: ``1E+1`` -> ``"10"``."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


DecimalIn = ExactDecimal
DecimalOut = Annotated[Decimal, PlainSerializer(plain, return_type=str, when_used="json")]


class _DecimalJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json.loads(await self.body(), parse_float=Decimal)
        return self._json


class DecimalRoute(APIRoute):
    """A route whose JSON body numbers with a fraction arrive as Decimal, not float."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            return await handler(_DecimalJSONRequest(request.scope, request.receive))

        return route
