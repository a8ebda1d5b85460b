"""Run one portfolio-service instance: ``python -m pulsefolio.portfolio --port P``."""

from __future__ import annotations

import argparse
import sys

from pulsefolio.core.settings import load_settings
from pulsefolio.core.web import serve
from pulsefolio.portfolio.app import create_app


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pulsefolio.portfolio")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--instance-id", default=None)
    args = parser.parse_args()
    instance = args.instance_id or f"portfolio-{args.port}"
    return serve("portfolio", lambda: create_app(load_settings(), instance), args.port)


if __name__ == "__main__":
    sys.exit(main())
