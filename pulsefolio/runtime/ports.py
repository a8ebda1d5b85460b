"""Port helpers: pick a free one, tell whether one is taken, reach a remote one."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the kernel's pick; racy but good enough)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class PortPicker:
    """Free ports that are also distinct from each other.

    Separate ``free_port`` calls may hand out the same port twice: each socket is closed before
    the next pick, and the kernel is free to give that port again. A platform needs a dozen
    ports that differ, so the picker remembers what it gave.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.given: set[int] = set()

    def one(self) -> int:
        return self.run(1)

    def run(self, count: int) -> int:
        """The first of ``count`` consecutive free ports (portfolio instances sit side by side)."""
        while True:
            first = free_port(self.host)
            run = range(first, first + count)
            if self.given.isdisjoint(run) and not any(
                port_in_use(self.host, port) for port in run[1:]
            ):
                self.given.update(run)
                return first


def port_in_use(host: str, port: int) -> bool:
    """True if binding ``host:port`` fails, i.e. something else holds it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def reachable(host: str, port: int, timeout: float = 2.0) -> str | None:
    """None if a TCP connection to ``host:port`` opens, else the reason it did not."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return exc.strerror or type(exc).__name__
