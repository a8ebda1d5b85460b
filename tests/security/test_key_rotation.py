"""Rotating the signing key: tokens signed with the previous key stay valid until they expire;
nothing signed with any other key passes, and new tokens are signed with the new key only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Unauthorized
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token, verify_access_token


def _settings(tmp_path: Path, key: str, previous: str | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        secret_key=SecretStr(key),
        secret_key_previous=SecretStr(previous) if previous else None,
    )


def test_previous_key_verifies_until_expiry(tmp_path: Path) -> None:
    old, new = "o" * 40, "n" * 40
    before = issue_access_token(_settings(tmp_path, old), 7, Role.USER)
    rotated = _settings(tmp_path, new, previous=old)
    assert verify_access_token(rotated, before).user_id == 7
    after = issue_access_token(rotated, 8, Role.USER)
    assert verify_access_token(_settings(tmp_path, new), after).user_id == 8
    with pytest.raises(Unauthorized):  # signed with the new key, not the old one
        verify_access_token(_settings(tmp_path, old), after)
    with pytest.raises(Unauthorized):  # once the previous key is dropped, its tokens are dead
        verify_access_token(_settings(tmp_path, new), before)
    stale = issue_access_token(
        _settings(tmp_path, old), 7, Role.USER, now=datetime.now(UTC) - timedelta(days=1)
    )
    with pytest.raises(Unauthorized, match="expired"):
        verify_access_token(rotated, stale)
    other = issue_access_token(_settings(tmp_path, "x" * 40), 7, Role.ADMIN)
    with pytest.raises(Unauthorized, match="invalid"):
        verify_access_token(rotated, other)
