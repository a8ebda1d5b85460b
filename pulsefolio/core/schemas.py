"""Field types shared by every service's request models, and the base of every request body.

Input is taken only in the forms the API documents, so what a route accepts is what its OpenAPI
document declares:

* a whole number (ids, limits, years) is a JSON integer in a body, and its decimal digits with
  an optional ``-`` in a path or query string; never a boolean, a float, a string in a body,
  ``"1_000"`` or ``" 5 "``;
* an id is a whole number from 1 to 2**63 - 1 (PostgreSQL's bigint);
* a decimal (amounts, quantities, prices) is a JSON number, or a string of digits with an
  optional sign and decimal point (``"12.5"``, ``"-3"``, ``".5"``), the pattern the OpenAPI
  document gives; no exponent, spaces, ``_`` or currency signs in a string;
* a date in a query string is ``YYYY-MM-DD`` (``2026-01-31``), a moment ISO 8601 with its
  offset (``2026-01-31T09:30:00Z``); neither is ever a number of seconds (``0``);
* text that reaches PostgreSQL holds no NUL character (its ``text`` cannot store one).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from annotated_types import Ge, Le
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from pulsefolio.core.money import currency_code, parse_decimal

MAX_ID = 2**63 - 1
NUL_REASON = "contains a NUL character"
CURRENCY_PATTERN = r"^[A-Za-z]{3}$"
_WHOLE = re.compile(r"-?[0-9]+")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*")
DECIMAL_PATTERN = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"
DECIMAL_TEXT = {"type": "string", "pattern": DECIMAL_PATTERN}
UNSIGNED_DECIMAL = r"^\+?([0-9]+\.?[0-9]*|\.[0-9]+)$"
_DECIMAL = re.compile(DECIMAL_PATTERN)


def holds_nul(value: object) -> bool:
    """Whether ``value``, or any text inside a list, tuple, set or dict of it, holds a NUL."""
    if isinstance(value, str):
        return "\0" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(holds_nul(item) for item in value)
    return False


def no_nul(value: str) -> str:
    if "\0" in value:
        raise ValueError(NUL_REASON)
    return value


def json_integer(value: Any) -> int:
    """A body's whole number: a JSON integer, nothing that merely converts to one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():  # JSON Schema's integers include 42.0
        return int(value)
    raise ValueError("must be a JSON integer, such as 42")


def digits(value: Any) -> int:
    """A path or query string's whole number: its decimal digits, nothing around them."""
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):  # a default value
        return value
    raise ValueError("must be a whole number written in digits, such as 42")


def iso_date(value: Any) -> date:
    """A query string's date: ``YYYY-MM-DD`` and nothing else (``0`` is not 1970-01-01)."""
    if isinstance(value, date):  # a default value
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"not a calendar date: {value!r}") from None
    raise ValueError("must be a date written YYYY-MM-DD, such as 2026-01-31")


def iso_moment(value: Any) -> Any:
    """A query string's moment: ISO 8601 with date and time; its offset is checked after."""
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_MOMENT.fullmatch(value)):
        return value
    raise ValueError("must be a date and time with offset, such as 2026-01-31T09:30:00Z")


def decimal_in(value: Any) -> Decimal:
    """``value`` as an exact Decimal if it is a JSON number or a string written as one."""
    if isinstance(value, (bool, float)):
        raise ValueError("send numbers as JSON numbers or strings, not floats or booleans")
    if isinstance(value, str) and not _DECIMAL.fullmatch(value):
        raise ValueError(f"not a number: {value[:40]!r}; write it as 1234.5")
    if not isinstance(value, (str, int, Decimal)):
        raise ValueError("must be a number")
    return parse_decimal(value)


Text = Annotated[str, AfterValidator(no_nul)]
"""Text for PostgreSQL in a path or query parameter (a body's text is checked by RequestBody)."""

Digits = BeforeValidator(digits)
"""Put after a path or query integer's bounds: ``Annotated[int, Ge(1), Le(500), Digits]``."""

Id = Annotated[int, Ge(1), Le(MAX_ID), BeforeValidator(json_integer)]
"""A row's id in a body; past PostgreSQL's bigint or below 1 it is a 422, not a lookup."""
IdParam = Annotated[int, Ge(1), Le(MAX_ID), Digits]
"""A row's id in a path or query string."""
Offset = Annotated[int, Ge(0), Le(MAX_ID), Digits]
Year = Annotated[int, Ge(1900), Le(2200), Digits]
IsoDate = Annotated[date, BeforeValidator(iso_date)]
"""A date in a query string, ``YYYY-MM-DD``."""
IsoMoment = Annotated[AwareDatetime, BeforeValidator(iso_moment)]
"""A moment in a query string, ISO 8601 with an offset."""
BodyInt = BeforeValidator(json_integer)
"""Put after a body integer's bounds, as :data:`Digits`."""

ExactDecimal = Annotated[
    Decimal,
    BeforeValidator(decimal_in),
    WithJsonSchema({"anyOf": [{"type": "number"}, DECIMAL_TEXT]}),
]
"""A decimal in a body, as a JSON number or a string (see the module docstring)."""

CurrencyCode = Annotated[str, Field(pattern=CURRENCY_PATTERN), AfterValidator(currency_code)]
"""Three ASCII letters, upper-cased; anything else is a 422 naming the field."""


class RequestBody(BaseModel):
    """Base of every request body: a text field, or text in a list or dict field, holding a NUL
    is a 422 naming the field (nested bodies derive from this too, so their fields are named).
    ``nul_allowed`` names fields whose text never reaches the database as it is."""

    nul_allowed: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The document says what the check refuses: each text property, NUL-free."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for name, prop in target.get("properties", {}).items():
            if name not in cls.nul_allowed:
                _nul_free(prop)
        return schema

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object, info: ValidationInfo) -> object:
        if info.field_name not in cls.nul_allowed and holds_nul(value):
            raise ValueError(NUL_REASON)
        return value


NUL_FREE = "^[^\\u0000]*$"


def _nul_free(node: object) -> None:
    """Give every plain string schema under ``node`` (not other models) the NUL-free pattern."""
    if isinstance(node, list):
        for item in node:
            _nul_free(item)
    elif isinstance(node, dict) and "$ref" not in node:
        if node.get("type") == "string" and not node.keys() & {"pattern", "format", "enum"}:
            node["pattern"] = NUL_FREE
        for key in ("anyOf", "oneOf", "allOf", "items", "additionalProperties"):
            if key in node:
                _nul_free(node[key])


_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def exact_bounds(node: object) -> None:
    """Write an OpenAPI document's integral bounds back as integers, in place.

    FastAPI's OpenAPI model holds bounds as floats, so an id's maximum 2**63 - 1 would be
    documented as 2**63, a value the route refuses; no other bound is that large.
    """
    if isinstance(node, list):
        for item in node:
            exact_bounds(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in _BOUNDS and isinstance(value, float) and value.is_integer():
                node[key] = MAX_ID if value == float(MAX_ID) else int(value)
            else:
                exact_bounds(value)
