"""The whole platform started once with ``pulsefolio up``, and one headless Chromium on it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.cli.stack import platform_env, running_up, wait_ready

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=en-US",
    "--window-size=1280,1000",
)


@pytest.fixture(scope="module")
def stack() -> Iterator[dict[str, Any]]:
    """ready.json of a running platform (gateway URL, demo e-mail and password)."""
    root = Path(tempfile.mkdtemp(prefix="pulsefolio-dashboard-"))
    root.chmod(0o711)  # PostgreSQL's account must reach its data directory
    data_dir = root / "data"
    env = platform_env(
        data_dir,
        PULSEFOLIO_REFRESH_INTERVAL="3600",
        PULSEFOLIO_SOURCE_TIMEOUT="3",  # the demo's internet providers cannot answer here
        PULSEFOLIO_LIVE_HEARTBEAT="2",  # a dead stream is told within 5 s, not 37.5
    )
    log = root / "up.log"
    try:
        with running_up(env, log) as up:
            # data_dir: its ready.json names the current pids after a restart
            yield {**wait_ready(data_dir, up, log), "data_dir": str(data_dir)}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def api(stack: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack["gateway_url"], timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def downloads() -> Iterator[Path]:
    """Where the browser saves files (exports)."""
    path = Path(tempfile.mkdtemp(prefix="pulsefolio-downloads-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="pulsefolio-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    # performance: the requests the page sends, with their headers
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
