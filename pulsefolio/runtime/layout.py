"""Where things live under the data directory.

::

    <data-dir>/
      postgres/            PostgreSQL cluster (owned by the system account when run as root)
      postgres-password    its superuser password (600)
      redis/               redis.conf, append-only file, dump
      nats/                JetStream file storage
      envoy/               envoy.json, rendered at each start
      logs/<name>.log      each child's output, prefixed with its name
      run/                 up.json (the running `up`), children.json, postgres socket
      demo-password        the demo user's password (600)
      ready.json           written once everything is ready; removed on stop
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def up_file(self) -> Path:
        return self.run / "up.json"

    @property
    def children_file(self) -> Path:
        return self.run / "children.json"

    @property
    def ready_file(self) -> Path:
        return self.root / "ready.json"

    @property
    def demo_password_file(self) -> Path:
        return self.root / "demo-password"


def secret_file(path: Path) -> str:
    """The secret kept in ``path`` (mode 600), generated on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(16))
    return path.read_text().strip()
