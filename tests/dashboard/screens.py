"""Screen sizes the browser tests lay pages out for, and the screenshots they save for docs/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = (1400, 900)


def viewport(driver: WebDriver, width: int, height: int) -> None:
    """Lay the page out for a ``width`` x ``height`` CSS-pixel screen, as a phone or desktop."""
    size = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", size)
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return [innerWidth, innerHeight]") == [width, height]
    )


def settled_screenshot(driver: WebDriver, name: str) -> None:
    """Save the page once no changed figure is highlighted any more."""
    WebDriverWait(driver, 15).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".flash"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / name))


@contextmanager
def on_desktop(driver: WebDriver) -> Iterator[None]:
    """The page at the screenshots' desktop size for the block, then at the window's again."""
    viewport(driver, *DESKTOP)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
