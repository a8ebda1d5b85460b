"""Access tokens: issued and verified with the settings secret, refused in every other shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from pulsefolio.core.domain import Role
from pulsefolio.core.errors import Unauthorized
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token, verify_access_token


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key="s" * 40)


class TestVerify:
    def test_round_trip(self, settings: Settings) -> None:
        claims = verify_access_token(settings, issue_access_token(settings, 7, Role.ADMIN))
        assert (claims.user_id, claims.role) == (7, Role.ADMIN)
        assert claims.expires_at > datetime.now(UTC)

    def test_claims_on_the_wire(self, settings: Settings) -> None:
        raw = jwt.decode(issue_access_token(settings, 3, "user"), "s" * 40, algorithms=["HS256"])
        assert raw["sub"] == "3" and raw["role"] == "user" and raw["type"] == "access"

    def test_expired(self, settings: Settings) -> None:
        token = issue_access_token(
            settings, 1, Role.USER, now=datetime.now(UTC) - timedelta(hours=1)
        )
        with pytest.raises(Unauthorized, match="expired"):
            verify_access_token(settings, token)

    def test_other_secret(self, settings: Settings, tmp_path: Path) -> None:
        other = Settings(data_dir=tmp_path, secret_key="o" * 40)
        with pytest.raises(Unauthorized):
            verify_access_token(settings, issue_access_token(other, 1, Role.ADMIN))

    def test_refresh_type_refused(self, settings: Settings) -> None:
        claims = {"sub": "1", "role": "admin", "type": "refresh", "exp": 4102444800}
        with pytest.raises(Unauthorized, match="not an access token"):
            verify_access_token(settings, jwt.encode(claims, "s" * 40, algorithm="HS256"))

    def test_none_algorithm_refused(self, settings: Settings) -> None:
        claims = {"sub": "1", "role": "admin", "type": "access", "exp": 4102444800}
        with pytest.raises(Unauthorized):
            verify_access_token(settings, jwt.encode(claims, None, algorithm="none"))

    def test_garbage(self, settings: Settings) -> None:
        with pytest.raises(Unauthorized):
            verify_access_token(settings, "not.a.token")

    def test_generated_secret_is_shared(self, tmp_path: Path) -> None:
        first, second = Settings(data_dir=tmp_path), Settings(data_dir=tmp_path)
        claims = verify_access_token(second, issue_access_token(first, 5, Role.USER))
        assert claims.user_id == 5


class TestFileSecret:
    def test_read_once_per_settings_object(self, tmp_path: Path) -> None:
        """Verification on every request must not read the data directory's key file."""
        settings = Settings(data_dir=tmp_path / "data")
        token = issue_access_token(settings, 5, Role.USER)
        (tmp_path / "data" / "secret.key").unlink()
        assert verify_access_token(settings, token).user_id == 5
        with pytest.raises(Unauthorized, match="invalid"):
            verify_access_token(Settings(data_dir=tmp_path / "data"), token)
