"""Envoy's bootstrap configuration (v3 API, as JSON-ready dicts) rendered from Settings.

One listener on ``host:gateway_port``. ``/api/v1/market/`` goes to the asset data service;
everything else (``/api/`` and ``/`` for the dashboard) goes to the portfolio instances: to the
caller's owner while users are partitioned (:mod:`.partition`), round-robin otherwise and for
requests without a token. Hosts are health-checked actively and ejected on consecutive failures;
a request is retried on another host when it never reached a backend (connect failure, refused
stream, reset before the request was sent), which is safe for every method. Reads, and the
writes that carry an ``Idempotency-Key`` to a route that honours it, are also retried when the
connection broke mid-request (an instance killed with the request in flight): the service stores
the key with the write, so a retry of a write that did commit answers with the first result and
writes nothing.

The upstreams are the local instances' ports by default; :class:`Upstreams` names hosts on other
machines instead (``pulsefolio gateway config``), by address or by DNS name.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings
from pulsefolio.gateway import partition

HEALTH_PATH = "/api/v1/health"
MARKET_PREFIX = "/api/v1/market/"
STREAM_PREFIX = "/api/v1/portfolio/stream"
# Paths limited to ``gateway_auth_per_minute`` requests each, on top of the services' own
# per-account login limit.
AUTH_PATHS = ("/api/v1/auth/login", "/api/v1/auth/register")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# Sent unless the service set its own (the dashboard sends a stricter policy of its own).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
RATE_LIMITED_BODY = {"error": "RateLimited", "detail": "too many requests; try again later"}
# The gateway's own 503 (no instance reachable, or one died before answering), shaped and
# timed like the services' 503: health checks take a dead instance out within about 2 s.
UNAVAILABLE_BODY = {"error": "ServiceUnavailable", "detail": "no instance could answer; try again"}
UNAVAILABLE_RETRY_AFTER = "1"
# Its own 502 (an instance answered with something that is not HTTP) and 504 (no answer within
# the route's timeout): the same shape, and the same advice to retry.
BAD_GATEWAY_BODY = {"error": "BadGateway", "detail": "an instance gave no valid answer; try again"}
TIMEOUT_BODY = {"error": "GatewayTimeout", "detail": "no instance answered in time; try again"}
_T = "type.googleapis.com/envoy."
_RATE_LIMIT = "envoy.filters.http.local_ratelimit"
_RATE_LIMIT_TYPE = _T + "extensions.filters.http.local_ratelimit.v3.LocalRateLimit"


def _address(host: str, port: int) -> dict[str, Any]:
    return {"socket_address": {"address": host, "port_value": port}}


Address = tuple[str, int]


@dataclass(frozen=True)
class Upstreams:
    """Where the gateway sends requests: portfolio instance ``i`` owns the users whose id mod
    ``len(portfolio)`` is ``i``."""

    portfolio: list[Address]
    assets: Address

    @classmethod
    def local(cls, settings: Settings) -> Upstreams:
        return cls(
            [("127.0.0.1", port) for port in settings.portfolio_ports()],
            ("127.0.0.1", settings.asset_port),
        )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _cluster(name: str, addresses: list[Address]) -> dict[str, Any]:
    endpoints = [{"endpoint": {"address": _address(host, port)}} for host, port in addresses]
    resolved = all(_is_ip(host) for host, _ in addresses)
    return {
        "name": name,
        "type": "STATIC" if resolved else "STRICT_DNS",
        **({} if resolved else {"dns_lookup_family": "V4_PREFERRED"}),
        "connect_timeout": "1s",
        "lb_policy": "ROUND_ROBIN",
        "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": endpoints}]},
        "health_checks": [
            {
                "timeout": "1s",
                "interval": "1s",
                "unhealthy_threshold": 2,
                "healthy_threshold": 1,
                "no_traffic_interval": "1s",
                "http_health_check": {"path": HEALTH_PATH},
            }
        ],
        "outlier_detection": {
            "consecutive_5xx": 5,
            "consecutive_gateway_failure": 2,
            "enforcing_consecutive_gateway_failure": 100,
            "interval": "1s",
            "base_ejection_time": "5s",
            "max_ejection_percent": 50,
        },
    }


SAFE_RETRY_ON = "connect-failure,refused-stream,reset-before-request"
# Idempotent requests may also be retried when the connection broke mid-request (an instance
# killed with requests in flight on a pooled connection).
IDEMPOTENT_RETRY_ON = SAFE_RETRY_ON + ",reset"
IDEMPOTENT_METHODS = {
    "name": ":method",
    "string_match": {"safe_regex": {"regex": "GET|HEAD|OPTIONS"}},
}
# The writes whose Idempotency-Key makes a repeat harmless (transactions.service, imports.service).
KEYED_WRITES = r"/api/v1/(accounts/[0-9]+/transactions|imports)"
_KEYED_WRITE_MATCH = {
    "safe_regex": {"regex": KEYED_WRITES},
    "headers": [
        {"name": ":method", "string_match": {"exact": "POST"}},
        {"name": "idempotency-key", "present_match": True},
    ],
}


def _retry_policy(retry_on: str = SAFE_RETRY_ON) -> dict[str, Any]:
    return {
        "retry_on": retry_on,
        "num_retries": 2,
        "retry_host_predicate": [
            {
                "name": "envoy.retry_host_predicates.previous_hosts",
                "typed_config": {
                    "@type": _T + "extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"
                },
            }
        ],
        "host_selection_retry_max_attempts": 3,
        # a retry tries the next priority first: when a partitioned caller's owner (priority 0)
        # refuses connections, the retry reaches another instance before health checks or
        # outlier ejection have caught up (a cluster of one priority is unaffected)
        "retry_priority": {
            "name": "envoy.retry_priorities.previous_priorities",
            "typed_config": {
                "@type": _T + "extensions.retry.priority.previous_priorities.v3."
                "PreviousPrioritiesConfig",
                "update_frequency": 1,
            },
        },
    }


def _header(key: str, value: str, action: str = "OVERWRITE_IF_EXISTS_OR_ADD") -> dict[str, Any]:
    return {"header": {"key": key, "value": value}, "append_action": action}


def _rate_limit(per_minute: int) -> dict[str, Any]:
    """A token bucket of ``per_minute`` requests, refilled every minute, for one route."""
    always = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    return {
        "@type": _RATE_LIMIT_TYPE,
        "stat_prefix": "auth_rate_limit",
        "token_bucket": {
            "max_tokens": per_minute,
            "tokens_per_fill": per_minute,
            "fill_interval": "60s",
        },
        "filter_enabled": {**always, "runtime_key": "auth_rate_limit_enabled"},
        "filter_enforced": {**always, "runtime_key": "auth_rate_limit_enforced"},
        "response_headers_to_add": [_header("Retry-After", "60")],
    }


def _partitioned(settings: Settings) -> bool:
    return settings.partition_users and settings.portfolio_instances > 1


def _upstream(settings: Settings, cluster: str) -> dict[str, Any]:
    """Where a route sends requests: ``cluster``, or for the portfolio service while users are
    partitioned, the caller's owner as the Lua filter named it (:mod:`.partition`)."""
    if cluster != "portfolio" or not _partitioned(settings):
        return {"cluster": cluster}
    return {"cluster_header": partition.CLUSTER_HEADER, "hash_policy": partition.hash_policy()}


def _auth_routes(settings: Settings) -> list[dict[str, Any]]:
    return [
        {
            "match": {"path": path},
            "route": {
                **_upstream(settings, "portfolio"),
                "timeout": "30s",
                "retry_policy": _retry_policy(),
            },
            "typed_per_filter_config": {_RATE_LIMIT: _rate_limit(settings.gateway_auth_per_minute)},
            "response_headers_to_add": [_header("Cache-Control", "no-store")],
        }
        for path in AUTH_PATHS
    ]


def _routes(settings: Settings, bench_mode: bool) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    if bench_mode:
        routes.append(
            {
                "match": {"path": "/bench/fixed"},
                "direct_response": {"status": 200, "body": {"inline_string": "ok"}},
            }
        )
    routes += _auth_routes(settings)
    routes.append(
        {
            "match": _KEYED_WRITE_MATCH,
            "route": {
                **_upstream(settings, "portfolio"),
                "timeout": "30s",
                "retry_policy": _retry_policy(IDEMPOTENT_RETRY_ON),
            },
            "response_headers_to_add": [_header("Cache-Control", "no-store")],
        }
    )
    for prefix, cluster, timeout in (
        (MARKET_PREFIX, "assets", "15s"),
        # the live stream is a long-lived WebSocket: no route timeout
        (STREAM_PREFIX, "portfolio", "0s"),
        ("/api/", "portfolio", "30s"),
        ("/", "portfolio", "30s"),
    ):
        # API answers carry users' data: no cache may keep them
        headers = [_header("Cache-Control", "no-store")] if prefix.startswith("/api/") else []
        for match, retry_on in (
            ({"prefix": prefix, "headers": [IDEMPOTENT_METHODS]}, IDEMPOTENT_RETRY_ON),
            ({"prefix": prefix}, SAFE_RETRY_ON),
        ):
            routes.append(
                {
                    "match": match,
                    "route": {
                        **_upstream(settings, cluster),
                        "timeout": timeout,
                        "retry_policy": _retry_policy(retry_on),
                    },
                    "response_headers_to_add": headers,
                }
            )
    return routes


def _security_headers(settings: Settings) -> list[dict[str, Any]]:
    headers = [_header(key, value) for key, value in SECURITY_HEADERS.items()]
    headers.append(_header("Content-Security-Policy", CONTENT_SECURITY_POLICY, "ADD_IF_ABSENT"))
    if _tls(settings):
        headers.append(_header("Strict-Transport-Security", HSTS))
    return headers


def _tls(settings: Settings) -> dict[str, Any] | None:
    """The listener's TLS transport socket when a certificate and key are configured."""
    cert, key = settings.gateway_tls_cert, settings.gateway_tls_key
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigurationError("gateway_tls_cert and gateway_tls_key must be set together")
    return {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {
            "@type": _T + "extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            "common_tls_context": {
                "tls_params": {"tls_minimum_protocol_version": "TLSv1_2"},
                "tls_certificates": [
                    {
                        "certificate_chain": {"filename": str(cert)},
                        "private_key": {"filename": str(key)},
                    }
                ],
            },
        },
    }


def _reply_mapper(status: int, body: dict[str, str], **more: Any) -> dict[str, Any]:
    """Envoy's own ``status`` answers (never an upstream's) as ``body``, JSON."""
    return {
        "filter": {
            "status_code_filter": {
                "comparison": {
                    "op": "EQ",
                    "value": {"default_value": status, "runtime_key": f"local_reply_{status}"},
                }
            }
        },
        "body_format_override": {"json_format": body, "content_type": "application/json"},
        **more,
    }


def _local_replies() -> dict[str, Any]:
    """Envoy's own 429 (the rate limit), 502, 503 and 504 shaped like the services' errors; the
    last three also say ``Retry-After``, as the services' 503 does, so that clients wait and
    retry."""
    retry = [_header("Retry-After", UNAVAILABLE_RETRY_AFTER)]
    return {
        "mappers": [
            _reply_mapper(429, RATE_LIMITED_BODY),
            *(
                _reply_mapper(status, body, headers_to_add=retry)
                for status, body in (
                    (502, BAD_GATEWAY_BODY),
                    (503, UNAVAILABLE_BODY),
                    (504, TIMEOUT_BODY),
                )
            ),
        ]
    }


def render_config(
    settings: Settings, *, bench_mode: bool = False, upstreams: Upstreams | None = None
) -> dict[str, Any]:
    """Envoy's bootstrap config for ``settings``; ``bench_mode`` adds ``/bench/fixed``;
    ``upstreams`` defaults to the local instances' ports.

    Raises ConfigurationError when the portfolio hosts are not ``portfolio_instances``.
    """
    where = upstreams or Upstreams.local(settings)
    if len(where.portfolio) != settings.portfolio_instances:
        raise ConfigurationError(
            f"{len(where.portfolio)} portfolio hosts given for "
            f"PULSEFOLIO_PORTFOLIO_INSTANCES={settings.portfolio_instances}"
        )
    manager = {
        "@type": _T + "extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "gateway",
        "codec_type": "AUTO",
        "use_remote_address": True,
        "upgrade_configs": [{"upgrade_type": "websocket"}],
        "route_config": {
            "name": "pulsefolio",
            "virtual_hosts": [
                {
                    "name": "pulsefolio",
                    "domains": ["*"],
                    "routes": _routes(settings, bench_mode),
                    "response_headers_to_add": _security_headers(settings),
                }
            ],
        },
        "local_reply_config": _local_replies(),
        "http_filters": [
            # without a bucket of its own it limits only routes that configure one
            {
                "name": _RATE_LIMIT,
                "typed_config": {"@type": _RATE_LIMIT_TYPE, "stat_prefix": "rate_limit"},
            },
            *(
                [partition.lua_filter(settings.portfolio_instances)]
                if _partitioned(settings)
                else []
            ),
            {
                "name": "envoy.filters.http.router",
                "typed_config": {"@type": _T + "extensions.filters.http.router.v3.Router"},
            },
        ],
    }
    listener = {
        "name": "gateway",
        "address": _address(settings.host, settings.gateway_port),
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": manager,
                    }
                ],
                **({"transport_socket": tls} if (tls := _tls(settings)) else {}),
            }
        ],
    }
    portfolio: dict[str, Any]
    return {
        "admin": {"address": _address("127.0.0.1", settings.gateway_admin_port)},
        "static_resources": {
            "listeners": [listener],
            "clusters": [
                portfolio := _cluster("portfolio", where.portfolio),
                _cluster("assets", [where.assets]),
                *(
                    partition.owner_clusters(portfolio, where.portfolio)
                    if _partitioned(settings)
                    else []
                ),
            ],
        },
    }
