"""The one settings object of Pulsefolio.

Values come, highest priority first, from keyword arguments, ``PULSEFOLIO_*`` environment
variables, and an optional TOML file (``PULSEFOLIO_CONFIG`` or ``--config``). Build it once at an
entry point with :func:`load_settings` and hand it down; nothing reads the environment later.

A server URL left unset means "use the embedded server": the runtime starts it and hands the
resulting URL to every service it launches.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ENV_PREFIX = "PULSEFOLIO_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    data_dir: Path = Field(Path(".pulsefolio"), description="Where embedded servers keep data.")
    config: Path | None = Field(None, description="Optional TOML file with any of these keys.")

    database_url: str | None = Field(None, description="External PostgreSQL; unset: embedded.")
    redis_url: str | None = Field(None, description="External Redis; unset: embedded.")
    nats_url: str | None = Field(
        None,
        description="External stream: nats://… (JetStream; a cluster as a comma-separated "
        "list) or kafka://…; unset: embedded.",
    )
    stream_replicas: int = Field(
        1,
        ge=1,
        le=5,
        description="Copies a NATS cluster keeps of the stream and its durable consumers "
        "(3 on a 3-node cluster).",
    )

    host: str = Field("127.0.0.1", description="Address every embedded server binds to.")
    gateway_port: int = Field(8400, description="Envoy listener: the platform's one entry point.")
    gateway_admin_port: int = Field(8401, description="Envoy admin interface (loopback only).")
    gateway_auth_per_minute: int = Field(
        60, ge=1, description="Logins, and sign-ups, per minute the gateway lets through."
    )
    gateway_tls_cert: Path | None = Field(
        None, description="PEM certificate chain: the gateway serves HTTPS and sends HSTS."
    )
    gateway_tls_key: Path | None = Field(None, description="PEM private key of gateway_tls_cert.")
    portfolio_port: int = Field(8410, description="First portfolio-service port; one per instance.")
    asset_port: int = Field(8420, description="Asset data service port.")
    postgres_port: int = Field(55432, description="Embedded PostgreSQL port.")
    redis_port: int = Field(56379, description="Embedded Redis port.")
    nats_port: int = Field(54222, description="Embedded NATS client port.")
    nats_monitor_port: int = Field(58222, description="Embedded NATS monitoring port (/healthz).")
    stream: Literal["nats", "kafka"] = Field(
        "nats", description="Embedded stream broker: nats, or kafka (Tansu, memory storage only)."
    )
    kafka_port: int = Field(59092, description="Embedded Kafka-protocol broker (Tansu) port.")

    namespace: str = Field(
        "pulsefolio", description="Prefix of the stream's subjects and the cache's Redis keys."
    )

    portfolio_instances: int = Field(2, ge=1, le=64, description="Portfolio-service processes.")
    partition_users: bool = Field(
        True,
        description="Each portfolio instance owns the users whose id mod portfolio_instances is "
        "its index, and the gateway routes callers to their owner; off: every instance loads "
        "everyone and the gateway balances round-robin.",
    )
    portfolio_shard: int | None = Field(
        None,
        ge=0,
        description="This portfolio instance's index among portfolio_instances (set per "
        "instance by `up`, or per host); unset: it loads every user.",
    )
    refresh_interval: float = Field(600.0, gt=0, description="Seconds between price refreshes.")

    price_max_deviation: Decimal = Field(
        Decimal("0.10"), gt=0, description="Largest accepted departure from the sources' median."
    )
    price_consult: int = Field(3, ge=1, description="Sources asked per asset for the median check.")
    refresh_concurrency: int = Field(4, ge=1, description="Source requests in flight at once.")
    source_timeout: float = Field(30.0, gt=0, description="Seconds one source may take per cycle.")
    alphavantage_api_key: SecretStr | None = Field(None, description="Enables Alpha Vantage.")
    twelvedata_api_key: SecretStr | None = Field(None, description="Enables Twelve Data.")
    finnhub_api_key: SecretStr | None = Field(None, description="Enables Finnhub.")

    postgres_system_user: str = Field(
        "pulsefolio", description="Unprivileged account that runs PostgreSQL when started as root."
    )
    secret_key: SecretStr | None = Field(
        None, description="Signs access tokens; unset: generated once into the data directory."
    )
    secret_key_previous: SecretStr | None = Field(
        None, description="The key before the last rotation: its tokens stay valid until expiry."
    )
    access_token_minutes: int = Field(15, gt=0, description="Lifetime of an access token.")
    refresh_token_days: int = Field(30, gt=0, description="Lifetime of a refresh token.")

    demo_users: int = Field(250, ge=0, description="Users `up` seeds into an empty database.")
    demo_seed: int = Field(42, description="Random seed of the demo data.")
    demo_email: str = Field("demo@pulsefolio.dev", description="The demo user's e-mail.")
    import_max_bytes: int = Field(
        5_000_000, gt=0, description="Largest import file accepted, in bytes (UTF-8)."
    )
    request_max_bytes: int = Field(
        16_000_000,
        gt=0,
        description="Largest request body accepted, in bytes; a larger one is refused (413) "
        "before it is read. Leave room for an import file of import_max_bytes sent as JSON.",
    )
    purchase_fees_in_cost_basis: bool = Field(
        True, description="Purchase fees are part of the cost basis; False: expensed when paid."
    )
    long_term_holding_days: int = Field(
        365, ge=1, description="A lot held longer than this many days is a long-term holding."
    )

    backup_dir: Path | None = Field(
        None, description="Where backups go; unset: <data-dir>/backups."
    )
    backup_interval: float = Field(
        0.0, ge=0, description="Seconds between scheduled backups under `up`; 0: none."
    )
    backup_keep: int = Field(7, ge=1, description="Scheduled backups kept; older ones deleted.")
    replicas: bool = Field(False, description="`up` also runs a PostgreSQL and a Redis replica.")
    postgres_replica_port: int = Field(55433, description="Embedded PostgreSQL replica port.")
    redis_replica_port: int = Field(56380, description="Embedded Redis replica port.")
    database_replica_url: str | None = Field(
        None, description="Where the portfolio service reads (GET, HEAD); unset: the primary."
    )
    read_your_writes_wait: float = Field(
        0.5, ge=0, description="Seconds a read waits for the replica to replay the user's write."
    )
    live_heartbeat: float = Field(
        15.0,
        ge=1,
        le=300,
        description="Seconds between pings on a quiet live stream; clients replace a stream "
        "silent for 2.5 of them.",
    )
    answer_cache_mb: int = Field(
        512,
        ge=0,
        description="Memory per portfolio instance for serialised portfolio answers; 0: none.",
    )
    log_level: str = Field("INFO", description="Log level of every service.")
    bench_mode: bool = Field(
        False, description="Adds the benchmark routes (gateway /bench/fixed, /api/v1/bench/*)."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = _config_path(init_settings)
        if config is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)

    def portfolio_ports(self) -> list[int]:
        return [self.portfolio_port + i for i in range(self.portfolio_instances)]

    def secret(self) -> str:
        """The token-signing secret: from settings, or generated once and kept in the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return self._file_secret

    @cached_property
    def _file_secret(self) -> str:
        """Read once per settings object: token checks on every request must not hit the disk."""
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip()


def _config_path(init_settings: PydanticBaseSettingsSource) -> Path | None:
    given: Any = init_settings().get("config") or os.environ.get(f"{ENV_PREFIX}CONFIG")
    if not given:
        return None
    path = Path(given)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")
    return path


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, ignoring overrides that are None (unset command-line options)."""
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


def require_servers(settings: Settings) -> tuple[str, str, str]:
    """The database, Redis and NATS URLs a service needs, or a ConfigurationError saying so."""
    from pulsefolio.core.errors import ConfigurationError

    missing = [
        f"{ENV_PREFIX}{name.upper()}"
        for name in ("database_url", "redis_url", "nats_url")
        if not getattr(settings, name)
    ]
    if missing:
        raise ConfigurationError(
            f"{', '.join(missing)} not set: start services with `pulsefolio up`, or set the URLs"
        )
    assert settings.database_url and settings.redis_url and settings.nats_url
    return settings.database_url, settings.redis_url, settings.nats_url
