"""Field types shared by every service's request models."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from pulsefolio.core.money import currency_code

CurrencyCode = Annotated[str, AfterValidator(currency_code)]
"""A currency code, trimmed and upper-cased; anything else is a 422 naming the field."""
