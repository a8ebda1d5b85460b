"""Envoy's bootstrap configuration (v3 API, as JSON-ready dicts) rendered from Settings.

One listener on ``host:gateway_port``. ``/api/v1/market/`` goes to the asset data service;
everything else (``/api/`` and ``/`` for the dashboard) goes round-robin over the portfolio
instances. Hosts are health-checked actively and ejected on consecutive failures; a request is
retried on another host only when it never reached a backend (connect failure, refused stream,
reset before the request was sent), which is safe for every method.
"""

from __future__ import annotations

from typing import Any

from pulsefolio.core.settings import Settings

HEALTH_PATH = "/api/v1/health"
MARKET_PREFIX = "/api/v1/market/"
STREAM_PREFIX = "/api/v1/portfolio/stream"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_T = "type.googleapis.com/envoy."


def _address(host: str, port: int) -> dict[str, Any]:
    return {"socket_address": {"address": host, "port_value": port}}


def _cluster(name: str, ports: list[int]) -> dict[str, Any]:
    endpoints = [{"endpoint": {"address": _address("127.0.0.1", port)}} for port in ports]
    return {
        "name": name,
        "type": "STATIC",
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
    }


def _routes(bench_mode: bool) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    if bench_mode:
        routes.append(
            {
                "match": {"path": "/bench/fixed"},
                "direct_response": {"status": 200, "body": {"inline_string": "ok"}},
            }
        )
    for prefix, cluster, timeout in (
        (MARKET_PREFIX, "assets", "15s"),
        # the live stream is a long-lived WebSocket: no route timeout
        (STREAM_PREFIX, "portfolio", "0s"),
        ("/", "portfolio", "30s"),
    ):
        routes.append(
            {
                "match": {"prefix": prefix, "headers": [IDEMPOTENT_METHODS]},
                "route": {
                    "cluster": cluster,
                    "timeout": timeout,
                    "retry_policy": _retry_policy(IDEMPOTENT_RETRY_ON),
                },
            }
        )
        routes.append(
            {
                "match": {"prefix": prefix},
                "route": {"cluster": cluster, "timeout": timeout, "retry_policy": _retry_policy()},
            }
        )
    return routes


def render_config(settings: Settings, *, bench_mode: bool = False) -> dict[str, Any]:
    """Envoy's bootstrap config for ``settings``; ``bench_mode`` adds ``/bench/fixed``."""
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
                    "routes": _routes(bench_mode),
                    "response_headers_to_add": [
                        {
                            "header": {"key": key, "value": value},
                            "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
                        }
                        for key, value in SECURITY_HEADERS.items()
                    ],
                }
            ],
        },
        "http_filters": [
            {
                "name": "envoy.filters.http.router",
                "typed_config": {"@type": _T + "extensions.filters.http.router.v3.Router"},
            }
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
                ]
            }
        ],
    }
    return {
        "admin": {"address": _address("127.0.0.1", settings.gateway_admin_port)},
        "static_resources": {
            "listeners": [listener],
            "clusters": [
                _cluster("portfolio", settings.portfolio_ports()),
                _cluster("assets", [settings.asset_port]),
            ],
        },
    }
