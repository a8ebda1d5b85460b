"""Run one portfolio-service instance: ``python -m pulsefolio.portfolio --port P``."""

from __future__ import annotations

import argparse
import socket
import sys

from pulsefolio.core.settings import load_settings
from pulsefolio.core.web import serve
from pulsefolio.portfolio.app import create_app


def default_instance_id(port: int) -> str:
    """``<hostname>-<port>``: instances on several machines stay apart (each instance's durable
    stream consumer and health answer carry it)."""
    return f"{socket.gethostname()}-{port}"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pulsefolio.portfolio")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--instance-id", default=None, help="default: <hostname>-<port>")
    args = parser.parse_args()
    instance = args.instance_id or default_instance_id(args.port)
    return serve("portfolio", lambda: create_app(load_settings(), instance), args.port)


if __name__ == "__main__":
    sys.exit(main())
