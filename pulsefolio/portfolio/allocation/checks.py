"""Validation of a replacement set of targets: every problem named by field, all at once.

Rules: a key is a known asset class, a currency the portfolio can convert to the base
currency, or the id of an asset (``cash`` too in the holding dimension); no key twice; each
weight between 0 and 100 with at most 4 decimals; the weights of a non-empty set sum to 100
exactly (nothing is implied for what is left out: a key without a target has target 0).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal

from pulsefolio.core.db.models.allocation_target import PERCENT_NUMERIC
from pulsefolio.core.domain import AssetClass
from pulsefolio.core.errors import ValidationFailed
from pulsefolio.core.money import ZERO, column_problem, is_currency
from pulsefolio.portfolio.allocation.schemas import Dimension, TargetIn

HUNDRED = Decimal(100)
CASH_KEY = "cash"
CLASSES = frozenset(c.value for c in AssetClass)


def normal_key(dimension: Dimension, key: str) -> str:
    key = key.strip()
    return key.upper() if dimension is Dimension.CURRENCY else key.lower()


def percent_problem(value: Decimal) -> str | None:
    if value < 0 or value > HUNDRED:
        return "must be between 0 and 100"
    return column_problem(value, PERCENT_NUMERIC)


async def checked(
    dimension: Dimension,
    targets: list[TargetIn],
    known_currency: Callable[[str], bool],
    existing_assets: Callable[[Iterable[int]], Awaitable[set[int]]],
) -> list[tuple[str, Decimal]]:
    """The targets as (key, weight), normalised; ValidationFailed naming each bad field."""
    fields: dict[str, str] = {}
    keys = [normal_key(dimension, t.key) for t in targets]
    ids = {
        int(k)
        for k in keys
        if dimension is Dimension.HOLDING and k.isascii() and k.isdigit() and len(k) < 19
    }
    assets = await existing_assets(ids)
    seen: set[str] = set()
    for i, (key, target) in enumerate(zip(keys, targets, strict=True)):
        problem = _key_problem(dimension, key, known_currency, assets)
        if problem is None and key in seen:
            problem = "appears twice"
        seen.add(key)
        if problem:
            fields[f"targets[{i}].key"] = problem
        if (weight_problem := percent_problem(target.weight_percent)) is not None:
            fields[f"targets[{i}].weight_percent"] = weight_problem
    total = sum((t.weight_percent for t in targets), ZERO)
    if targets and total != HUNDRED:
        fields["targets"] = f"weights sum to {total.normalize():f}, not 100"
    if fields:
        first = next(iter(fields.items()))
        raise ValidationFailed(f"{first[0]}: {first[1]}", fields)
    return [(k, t.weight_percent) for k, t in zip(keys, targets, strict=True)]


def _key_problem(
    dimension: Dimension, key: str, known_currency: Callable[[str], bool], assets: set[int]
) -> str | None:
    if dimension is Dimension.ASSET_CLASS:
        return None if key in CLASSES else f"unknown asset class {key!r}"
    if dimension is Dimension.CURRENCY:
        if not is_currency(key):
            return f"not a currency code: {key!r}"
        return None if known_currency(key) else f"unknown currency {key}: no rate to convert it"
    if key == CASH_KEY:
        return None
    if not (key.isascii() and key.isdigit()) or int(key) not in assets:
        return f"no such asset {key!r}"
    return None
