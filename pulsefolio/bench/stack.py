"""The platform for a benchmark: ``python -m pulsefolio.bench.stack --users N``.

Runs :func:`pulsefolio.runtime.platform.up` (settings from ``PULSEFOLIO_*``, bench mode on) and
bulk-loads the synthetic users between migration and the services' start, so every portfolio
instance loads them into its engine at start-up. Writes ``bench-load.json`` (load figures) into
the data directory; stops on SIGTERM like ``up``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from pulsefolio.bench.dataset import load
from pulsefolio.core.settings import Settings, load_settings
from pulsefolio.runtime import platform

LOAD_FILE = "bench-load.json"
SERVICE_TIMEOUT = 1800.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pulsefolio.bench.stack")
    parser.add_argument("--users", type=int, required=True)
    args = parser.parse_args()
    settings = load_settings()

    def prepare(resolved: Settings) -> None:
        assert resolved.database_url is not None
        print(f"loading {args.users} synthetic users …", flush=True)
        report = asyncio.run(load(resolved.database_url, args.users))
        (resolved.data_dir / LOAD_FILE).write_text(
            json.dumps({"users": report.users, "positions": report.positions,
                        "seconds": report.seconds})
        )  # fmt: skip
        print(f"[ok] loaded {report.positions} positions in {report.seconds:.1f}s", flush=True)

    return platform.up(
        settings,
        report=lambda m: print(m, flush=True),
        bench_mode=True,
        prepare=prepare,
        service_timeout=SERVICE_TIMEOUT,
    )


if __name__ == "__main__":
    sys.exit(main())
