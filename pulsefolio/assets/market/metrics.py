"""``/metrics`` and ``/api/v1/market/metrics``: the Prometheus text format (version 0.0.4).

Source figures and the last cycle come from the shared status board; the age of the stalest
price is measured from the cache at scrape time, so a stopped fetcher shows as growing age.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _timestamp(value: str | None) -> float:
    return datetime.fromisoformat(value).timestamp() if value else 0.0


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str,
               samples: Iterable[tuple[dict[str, str], float]]) -> None:  # fmt: skip
        self.lines.append(f"# HELP pulsefolio_{name} {help_text}")
        self.lines.append(f"# TYPE pulsefolio_{name} {kind}")
        for labels, value in samples:
            rendered = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            self.lines.append(f"pulsefolio_{name}{{{rendered}}} {float(value)!r}".replace(
                "{}", ""))  # fmt: skip

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def render(
    sources: list[dict[str, Any]],
    cycle: dict[str, Any] | None,
    price_times: Iterable[datetime],
    leading: bool,
    now: datetime | None = None,
) -> str:
    now = now or datetime.now(UTC)
    out = Exposition()

    def per_source(key: str) -> list[tuple[dict[str, str], float]]:
        return [({"source": s["name"]}, float(s.get(key) or 0)) for s in sources]

    out.family(
        "source_healthy",
        "gauge",
        "1 if the source may be asked, 0 while shut out.",
        [
            ({"source": s["name"]}, 1.0 if s.get("available", s["healthy"]) else 0.0)
            for s in sources
        ],
    )
    out.family(
        "source_last_success_timestamp_seconds",
        "gauge",
        "Unix time of the source's last successful call (0: never).",
        [({"source": s["name"]}, _timestamp(s["last_success"])) for s in sources],
    )
    out.family(
        "source_requests_total",
        "counter",
        "Calls to the source by outcome.",
        [
            ({"source": s["name"], "outcome": outcome}, float(s[key]))
            for s in sources
            for outcome, key in (("success", "successes"), ("failure", "failures"))
        ],
    )
    out.family(
        "source_errors_total",
        "counter",
        "Failed calls by error kind.",
        [
            ({"source": s["name"], "kind": kind}, float(n))
            for s in sources
            for kind, n in sorted(s["errors"].items())
        ],
    )
    out.family(
        "source_consecutive_failures",
        "gauge",
        "Failures since the last success.",
        per_source("consecutive_failures"),
    )
    out.family(
        "source_symbol_errors_total",
        "counter",
        "Per-symbol errors (unknown tickers).",
        per_source("symbol_errors"),
    )
    out.family(
        "source_rejected_quotes_total",
        "counter",
        "Quotes refused as outliers or unusable numbers.",
        per_source("rejected"),
    )
    out.family(
        "source_latency_seconds",
        "gauge",
        "Duration of the source's last call.",
        per_source("latency_seconds"),
    )
    out.family(
        "source_latency_average_seconds",
        "gauge",
        "Moving average of the source's call duration.",
        per_source("latency_avg_seconds"),
    )
    times = list(price_times)
    stalest = max(((now - t).total_seconds() for t in times), default=0.0)
    out.family("prices_cached", "gauge", "Assets with a price in the cache.", [({}, len(times))])
    out.family(
        "price_stalest_age_seconds",
        "gauge",
        "Age of the oldest cached price (now minus its as-of time).",
        [({}, stalest)],
    )
    cycle = cycle or {}
    out.family(
        "refresh_cycle_duration_seconds",
        "gauge",
        "Duration of the last refresh cycle.",
        [({}, float(cycle.get("duration_seconds") or 0))],
    )
    out.family(
        "refresh_last_cycle_timestamp_seconds",
        "gauge",
        "Unix time the last refresh cycle started (0: none yet).",
        [({}, _timestamp(cycle.get("started_at")))],
    )
    out.family(
        "refresh_outbox_pending",
        "gauge",
        "Stream messages waiting for the stream.",
        [({}, float(cycle.get("outbox_pending") or 0))],
    )
    out.family(
        "refresh_leader",
        "gauge",
        "1 if this process holds the fetching lease.",
        [({}, 1.0 if leading else 0.0)],
    )
    return out.text()
