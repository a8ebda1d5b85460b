"""Run the asset data service: ``python -m pulsefolio.assets --port P``."""

from __future__ import annotations

import argparse
import sys

from pulsefolio.assets.app import create_app
from pulsefolio.core.settings import load_settings
from pulsefolio.core.web import serve


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pulsefolio.assets")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    return serve("assets", lambda: create_app(load_settings()), args.port)


if __name__ == "__main__":
    sys.exit(main())
