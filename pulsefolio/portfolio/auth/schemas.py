"""Request and response models of registration, login, refresh and personal API tokens."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from annotated_types import Gt, Le
from pydantic import BaseModel, ConfigDict, Field, field_validator

from pulsefolio.core.schemas import BodyInt, CurrencyCode, RequestBody
from pulsefolio.portfolio.auth.passwords import MIN_PASSWORD_LENGTH

# The address's form, said once for the check and for the API document: a local part and a
# dotted domain, without spaces, control characters or a second @. The excluded characters are
# listed, not written \s, which Python and JSON Schema's regular expressions read differently.
_PART = r"[^@\x00-\x20\x7f-\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+"
EMAIL_PATTERN = rf"^{_PART}@{_PART}\.{_PART}$"
_EMAIL = re.compile(EMAIL_PATTERN)


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("not an e-mail address")
    return value


class Register(RequestBody):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320, json_schema_extra={"pattern": EMAIL_PATTERN})
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)
    base_currency: CurrencyCode = "USD"

    _check_email = field_validator("email")(_email)


class Login(RequestBody):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)


class PasswordChange(RequestBody):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=1024)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class Refresh(RequestBody):
    refresh_token: str = Field(max_length=256)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires.")


class ApiTokenCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_in_days: Annotated[int, Gt(0), Le(3650), BodyInt] | None = None


class ApiToken(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiToken):
    token: str = Field(description="Shown once; only its hash is stored.")
