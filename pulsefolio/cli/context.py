"""What every command gets: the global options, turned into Settings on demand."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings, load_settings


@dataclass(frozen=True)
class CliContext:
    data_dir: Path | None
    config: Path | None

    def settings(self, **overrides: Any) -> Settings:
        """Settings from the options, ``PULSEFOLIO_*`` and the config file; one-line errors."""
        try:
            return load_settings(data_dir=self.data_dir, config=self.config, **overrides)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "settings"
            raise ConfigurationError(
                f"setting {where} is invalid: {first['msg']}; fix PULSEFOLIO_{where.upper()} "
                "or the config file"
            ) from exc
        except (FileNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"{exc}; fix --config or PULSEFOLIO_CONFIG") from exc


pass_cli = click.make_pass_decorator(CliContext)
