"""The bare ceiling: ``python -m pulsefolio.bench.bare --port P --size N``.

A plain ASGI app that answers every request with the same JSON body of ``N`` bytes (no routing,
no authentication), served exactly as a portfolio instance is (:func:`core.web.run_server`).
Through the same Envoy configuration it is the most any Python read route could serve on this
machine with this server and worker count.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pulsefolio.core.web import run_server
from pulsefolio.portfolio.benchmode.endpoints import filler


def bare_app(body: bytes) -> Any:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    start = {"type": "http.response.start", "status": 200, "headers": headers}
    message = {"type": "http.response.body", "body": body}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send(start)
        await send(message)

    return app


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m pulsefolio.bench.bare")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    run_server(bare_app(filler(args.size)), args.host, args.port, "warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
