"""The benchmark's one table, its ratios, and the machine it ran on."""

from __future__ import annotations

import os
import platform
from typing import Any

import psutil

LOADS = (
    ("gateway_ceiling", "1 Gateway ceiling (Envoy direct response)"),
    ("bare_ceiling", "1b Bare ASGI ceiling (same server, via Envoy)"),
    ("python_ceiling", "2 Python ceiling (fixed body via Envoy)"),
    ("portfolio_reads", "3 GET /api/v1/portfolio"),
    ("portfolio_reads_default_load", "3b the same at wrk's default 10 connections"),
    ("naive_baseline", "4 Naive baseline (PostgreSQL per request)"),
)


def machine() -> dict[str, Any]:
    model = ""
    try:
        with open("/proc/cpuinfo") as info:
            model = next((ln.split(":", 1)[1].strip() for ln in info if "model name" in ln), "")
    except OSError:
        pass
    return {
        "cpu_model": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def ratios(figures: dict[str, Any]) -> dict[str, float | None]:
    rps = {key: figures[key]["rps"] for key, _ in LOADS}
    reval = figures["revaluation"]
    return {
        "reads_vs_bare_ceiling": _ratio(rps["portfolio_reads"], rps["bare_ceiling"]),
        "reads_vs_python_ceiling": _ratio(rps["portfolio_reads"], rps["python_ceiling"]),
        "python_vs_gateway_ceiling": _ratio(rps["python_ceiling"], rps["gateway_ceiling"]),
        "reads_vs_naive": _ratio(rps["portfolio_reads"], rps["naive_baseline"]),
        "revaluation_vs_floor": _ratio(reval["revalue_ms"], reval["floor_ms"]),
    }


def table(figures: dict[str, Any]) -> str:
    """The figures as one plain-text table followed by the ratios."""
    lines = [
        f"pulsefolio bench: {figures['users']:,} users, {figures['instances']} instances, "
        f"wrk {figures['wrk']['threads']} thread / {figures['wrk']['connections']} connections,"
        f" {figures['duration']} s per load, users partitioned: {figures['partition_users']},"
        f" answer cache {figures['answer_cache_mb']} MB per instance",
        f"{'measure':<44}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'errors':>8}",
    ]
    for key, label in LOADS:
        f = figures[key]
        lines.append(
            f"{label:<44}{f['rps']:>10.0f}{f['p50_ms']:>9.2f}{f['p99_ms']:>9.2f}"
            f"{f['p999_ms']:>10.2f}{f['errors']:>8}"
        )
    p = figures["propagation"]
    if "error" in p:
        lines.append(f"{'5 Propagation':<44}failed: {p['error']}")
    else:
        lines += _propagation(p)
    r = figures["revaluation"]
    lines.append(
        f"{'6 Revaluation of all portfolios':<44}{r['revalue_ms']:>10.2f} ms"
        f"   floor (bare SciPy CSR x vector) {r['floor_ms']:.2f} ms"
    )
    rss = ", ".join(f"{k} {v:.0f} MB" for k, v in figures["memory_mb"].items())
    lines.append(f"{'7 Resident memory per instance':<44}{rss}")
    lines.append("ratios: " + ", ".join(f"{k} {v}" for k, v in figures["ratios"].items()))
    return "\n".join(lines)


def _propagation(p: dict[str, Any]) -> list[str]:
    lines = []
    lines.append(
        f"{'5 Propagation, all instances revalued':<44}{'':>10}"
        f"{p['instances']['p50_ms']:>9.1f}{p['instances']['p99_ms']:>9.1f}"
        f"   ({p['refreshes']} full refreshes, from the publish)"
    )
    lines.append(
        f"{'5 Propagation, live client via Envoy':<44}{'':>10}"
        f"{p['client']['p50_ms']:>9.1f}{p['client']['p99_ms']:>9.1f}"
    )
    lines.append(
        f"{'  store (history + cache), publish (stream)':<44}{'':>10}"
        f"{p['store']['p50_ms']:>9.1f}{p['publish']['p50_ms']:>9.1f}   (p50 of each)"
    )
    return lines
