"""One whole platform (``pulsefolio up``) shared by the fault tests of this folder.

Prices only move when a test sets them (manual prices through the gateway), so each test can
compare what it wrote with what the platform shows. Every fault test runs a steady load
(:func:`tests.reliability.load.steady_load`) meanwhile: no acknowledged write may be lost.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.stack import platform_env, start_up, wait_ready
from tests.reliability.load import Stack


@pytest.fixture(scope="package")
def stack(reachable_tmp_path_factory: Callable[[], Path]) -> Iterator[Stack]:
    data_dir = reachable_tmp_path_factory() / "data"
    env = platform_env(data_dir, PULSEFOLIO_REFRESH_INTERVAL="3600", PULSEFOLIO_SOURCE_TIMEOUT="3")
    log = data_dir.parent / "up.log"
    up = start_up(env, log)
    try:
        yield Stack(wait_ready(data_dir, up, log), data_dir, env)
    finally:
        up.terminate()
        up.wait(90)


@pytest.fixture(scope="package")
def reachable_tmp_path_factory() -> Iterator[Callable[[], Path]]:
    """Like ``reachable_tmp_path`` (PostgreSQL may run as another account), package-wide."""
    made: list[Path] = []

    def make() -> Path:
        path = Path(tempfile.mkdtemp(prefix="pulsefolio-reliability-"))
        path.chmod(0o711)
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)
