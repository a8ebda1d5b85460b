"""Settings: sources, priorities, and the README's table staying true."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings, load_settings, require_servers

README = Path(__file__).resolve().parents[2] / "README.md"


class TestSources:
    def test_environment_beats_config_file_and_arguments_beat_both(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = tmp_path / "pulsefolio.toml"
        config.write_text('gateway_port = 9100\nasset_port = 9200\nlog_level = "DEBUG"\n')
        monkeypatch.setenv("PULSEFOLIO_CONFIG", str(config))
        monkeypatch.setenv("PULSEFOLIO_ASSET_PORT", "9300")
        settings = load_settings(log_level="WARNING", gateway_port=None)
        assert (settings.gateway_port, settings.asset_port, settings.log_level) == (
            9100,
            9300,
            "WARNING",
        )

    def test_unknown_key_in_config_file_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        config = tmp_path / "pulsefolio.toml"
        config.write_text("gatway_port = 1\n")
        monkeypatch.setenv("PULSEFOLIO_CONFIG", str(config))
        with pytest.raises(ValidationError, match="gatway_port"):
            load_settings()

    def test_missing_config_file_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("PULSEFOLIO_CONFIG", "/nonexistent/pulsefolio.toml")
        with pytest.raises(FileNotFoundError, match=r"/nonexistent/pulsefolio\.toml"):
            load_settings()

    def test_data_dir_is_made_absolute(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir("/tmp")
        assert load_settings(data_dir="rel").data_dir == Path("/tmp/rel")


class TestSecrets:
    def test_generated_secret_is_kept_private_and_stable(self, tmp_path: Path) -> None:
        settings = load_settings(data_dir=tmp_path)
        first = settings.secret()
        assert len(first) >= 40
        assert settings.secret() == first
        assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600

    def test_given_secret_wins_and_is_hidden_from_repr(self, tmp_path: Path) -> None:
        settings = load_settings(data_dir=tmp_path, secret_key="from-settings-0123456789")
        assert settings.secret() == "from-settings-0123456789"
        assert "from-settings" not in repr(settings)


class TestRequireServers:
    def test_names_every_missing_url(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigurationError) as caught:
            require_servers(load_settings(data_dir=tmp_path, redis_url="redis://x"))
        assert "PULSEFOLIO_DATABASE_URL" in caught.value.detail
        assert "PULSEFOLIO_NATS_URL" in caught.value.detail
        assert "PULSEFOLIO_REDIS_URL" not in caught.value.detail


def test_readme_documents_every_setting_with_its_default() -> None:
    readme = README.read_text()
    for name, field in Settings.model_fields.items():
        row = next(
            (
                line
                for line in readme.splitlines()
                if line.startswith(f"| `PULSEFOLIO_{name.upper()}`")
            ),
            None,
        )
        assert row is not None, f"README lacks PULSEFOLIO_{name.upper()}"
        default = "none" if field.default is None else f"`{field.default}`"
        assert default in row, f"README gives another default for PULSEFOLIO_{name.upper()}"
