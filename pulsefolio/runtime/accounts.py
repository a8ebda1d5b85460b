"""The unprivileged system account that runs PostgreSQL when Pulsefolio runs as root."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
from pathlib import Path

from pulsefolio.runtime.spec import RunAs


def system_account(name: str) -> RunAs | None:
    """The account to run PostgreSQL as: ``name`` (created once) if we are root, else None.

    None means "run as the current user", which PostgreSQL accepts.
    """
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None:
        result = subprocess.run(
            ["useradd", "--system", "-M", "-s", "/usr/sbin/nologin", name],
            capture_output=True,
            text=True,
            check=False,
        )
        # 9: created meanwhile by a concurrent start; anything else is a real failure
        if result.returncode not in (0, 9):
            raise RuntimeError(f"useradd {name} failed: {result.stderr.strip()}")
        entry = pwd.getpwnam(name)
    return RunAs(user=name, uid=entry.pw_uid, gid=entry.pw_gid)


def give(path: Path, run_as: RunAs | None, mode: int) -> None:
    """Create ``path`` as a directory owned by ``run_as`` with ``mode``; parents traversable."""
    path.mkdir(parents=True, exist_ok=True)
    if run_as is not None:
        os.chown(path, run_as.uid, run_as.gid)
        make_traversable(path.parent)
    path.chmod(mode)


def make_traversable(path: Path) -> None:
    """Add search permission for others on ``path`` and its parents, so another user reaches in.

    Only the execute bit is added: listing and reading stay as they were.
    """
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
