"""Checks that run before ``up`` starts anything; each failure is one line with the fix."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings
from pulsefolio.runtime.ports import port_in_use, reachable

_DEFAULT_PORTS = {"database_url": 5432, "redis_url": 6379, "nats_url": 4222}


def check_data_dir(settings: Settings) -> None:
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".probe-{uuid.uuid4().hex}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ConfigurationError(
            f"data directory {path} is not writable ({exc.strerror or exc}); "
            "choose another with --data-dir or PULSEFOLIO_DATA_DIR"
        ) from exc


def planned_ports(settings: Settings) -> dict[str, int]:
    """Each port ``up`` will listen on, by the setting that names it."""
    ports = {
        "gateway_port": settings.gateway_port,
        "gateway_admin_port": settings.gateway_admin_port,
        "asset_port": settings.asset_port,
    }
    for index, port in enumerate(settings.portfolio_ports()):
        ports[f"portfolio_port (+{index})" if index else "portfolio_port"] = port
    if settings.database_url is None:
        ports["postgres_port"] = settings.postgres_port
    if settings.redis_url is None:
        ports["redis_port"] = settings.redis_port
    if settings.nats_url is None and settings.stream == "kafka":
        ports["kafka_port"] = settings.kafka_port
    elif settings.nats_url is None:
        ports["nats_port"] = settings.nats_port
        ports["nats_monitor_port"] = settings.nats_monitor_port
    return ports


def check_ports(settings: Settings) -> None:
    seen: dict[int, str] = {}
    for key, port in planned_ports(settings).items():
        variable = "PULSEFOLIO_" + key.split(" ")[0].upper()
        if port in seen:
            raise ConfigurationError(
                f"port {port} is given to both {seen[port]} and {key}; set {variable} to another"
            )
        seen[port] = key
        if port_in_use(settings.host, port):
            raise ConfigurationError(
                f"port {port} ({key}) on {settings.host} is already in use; "
                f"stop what holds it or set {variable} to a free port"
            )


def check_external_urls(settings: Settings) -> None:
    """Each external URL reaches at least one of the servers it lists (a cluster, or a primary
    and its replica, may have one server down)."""
    for key, default_port in _DEFAULT_PORTS.items():
        url = getattr(settings, key)
        if url is None:
            continue
        try:
            addresses = _addresses(url, default_port)
        except ValueError as exc:
            raise ConfigurationError(f"PULSEFOLIO_{key.upper()} has a bad port: {url}") from exc
        reasons = []
        for host, port in addresses:
            reason = reachable(host, port)
            if reason is None:
                break
            reasons.append(f"{host}:{port} ({reason})")
        else:
            where = "; ".join(reasons)
            raise ConfigurationError(
                f"PULSEFOLIO_{key.upper()} points at {where}, which is unreachable; "
                "start that server or unset the variable to use the embedded one"
            )


def _addresses(url: str, default_port: int) -> list[tuple[str, int]]:
    """Every ``(host, port)`` a URL names: ``scheme://a:1,b:2/...``, ``scheme://a:1,scheme://b:2``
    or SQLAlchemy's ``?host=a:1&host=b:2``. Raises ValueError for a bad port."""
    parts = urlsplit(url)
    port_default = 9092 if parts.scheme == "kafka" else default_port
    listed = [h for h in parse_qs(parts.query).get("host", []) if h]
    if not listed:
        for entry in url.split(","):
            authority = entry.split("://", 1)[-1].rsplit("@", 1)[-1]
            listed.append(authority.split("/", 1)[0].split("?", 1)[0])
    result = []
    for entry in dict.fromkeys(listed):
        address = urlsplit(f"//{entry}")
        result.append((address.hostname or "localhost", address.port or port_default))
    return result or [("localhost", port_default)]
