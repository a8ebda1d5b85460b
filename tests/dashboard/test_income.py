"""The Income page in headless Chromium at 1400 x 900 against the real platform: its totals,
bars, year and holding tables are the income report's figures, and a dividend booked
elsewhere (in another currency, with tax withheld) shows up as the stream reports it. The
screenshot goes to docs/screenshots/income.png."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.dashboard.screens import settled_screenshot, viewport
from tests.dashboard.test_browser import (
    console_errors,
    create_transaction,
    login,
    open_page,
    portfolio,
    shown,
    text_now,
    text_of,
    wait,
)
from tests.dashboard.test_pages import fraction, get, money, on_phone

pytestmark = pytest.mark.stack

REPORT = "/api/v1/reports/income"
TIP = "#income-chart .tip-date"


@pytest.fixture(scope="module")
def demo_auth(api: httpx.Client, stack: dict[str, Any]) -> dict[str, str]:
    return login(api, stack["demo_email"], stack["demo_password"])


@pytest.fixture(scope="module", autouse=True)
def desktop(browser: WebDriver) -> Iterator[None]:
    viewport(browser, 1400, 900)
    yield
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def month_label(key: str) -> str:
    """ "2025-03" as en-US Intl writes it with month "short" and year "numeric": "Mar 2025"."""
    return f"{date.fromisoformat(key + '-01'):%b %Y}"


def cells(driver: WebDriver, table: str, key: str, col: str) -> list[tuple[str, str]]:
    """Each row's ``data-<key>`` and the text of its ``col`` cell."""
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")
    return [
        (
            r.get_attribute(f"data-{key}") or "",
            r.find_element(By.CSS_SELECTOR, f"[data-col={col}]").text,
        )
        for r in rows
    ]


def shows(driver: WebDriver, api: httpx.Client, auth: dict[str, str], **query: Any) -> Any:
    """Once the page shows the report's figures for ``query``, that report. Asked afresh
    each time: a rate arriving for today (the stack has just started) revalues today's
    payment, and the page follows it."""

    def current(d: WebDriver) -> dict[str, Any] | None:
        report = get(api, auth, REPORT, **query)
        return report if matches(d, report) else None

    return wait(driver, current, 30)


def matches(driver: WebDriver, report: dict[str, Any]) -> bool:
    """The page shows ``report``'s totals, years and holdings (the base currency is USD)."""
    t = report["totals"]
    if text_of(driver, "#income-net") != money(t["net"]):
        return False
    years = [(str(y["year"]), money(y["net"])) for y in report["years"]]
    holdings = [(str(h["asset_id"]), money(h["net"])) for h in report["holdings"]]
    if report["interest"]["payments"]:
        holdings.append(("interest", money(report["interest"]["net"])))
    return (
        text_of(driver, "#income-gross") == money(t["gross"])
        and text_of(driver, "#income-withholding") == money(t["withholding"])
        and cells(driver, "income-years", "year", "net") == years
        and cells(driver, "income-holdings", "asset", "net") == holdings
        and len(driver.find_elements(By.CSS_SELECTOR, "#income-chart rect.bar"))
        == len(report["months"])
    )


def at_right_end(driver: WebDriver, plot: WebElement) -> None:
    ActionChains(driver).move_to_element_with_offset(plot, plot.size["width"] // 2 - 2, 0).perform()


def home_key(driver: WebDriver, plot: WebElement) -> None:
    plot.send_keys(Keys.HOME)


def tip(driver: WebDriver, month: str, point: Callable[[WebDriver, WebElement], None]) -> str:
    """The tooltip's value once ``point`` (pointer or key, done again on each try: a live
    reload redraws the chart without a tooltip) shows ``month``."""

    def shown_value(d: WebDriver) -> str | None:
        point(d, shown(d, "#income-chart .plot"))
        if text_now(d, TIP) != month:
            return None
        return text_now(d, "#income-chart .tip-value") or None

    return wait(driver, shown_value)


def test_the_income_page_shows_the_reports_figures_live(
    browser: WebDriver,
    stack: dict[str, Any],
    api: httpx.Client,
    demo_auth: dict[str, str],
    downloads: Path,
) -> None:
    assert get(api, demo_auth, "/api/v1/me")["base_currency"] == "USD"
    open_page(browser, stack, "income")
    before = shows(browser, api, demo_auth)
    assert before["totals"]["payments"] > 0, "the demo user has dividends"
    assert text_of(browser, "#income-payments") == f"{before['totals']['payments']:,}"

    wait(browser, lambda d: text_of(d, "#live-status") == "Live")
    held = next(h for h in portfolio(api, demo_auth)["holdings"] if h["currency"] == "GBP")
    paid = create_transaction(
        api, demo_auth, held["account_id"], type="DIVIDEND", asset_id=held["asset_id"],
        amount="123.45", fee="18.52", currency="GBP", executed_at=datetime.now(UTC).isoformat(),
    )  # fmt: skip
    try:
        after = shows(browser, api, demo_auth)
        assert after["totals"]["payments"] == before["totals"]["payments"] + 1
        assert Decimal(after["totals"]["withholding"]) > Decimal(before["totals"]["withholding"])
        row = next(h for h in after["holdings"] if h["asset_id"] == held["asset_id"])
        line = f"#income-holdings tr[data-asset='{held['asset_id']}']"
        assert text_of(browser, f"{line} [data-col=withholding]") == money(row["withholding"])
        assert text_of(browser, f"{line} [data-col=trailing]") == money(row["trailing_12m_net"])
        assert row["yield_on_cost"] is not None
        assert text_of(browser, f"{line} [data-col=yield]") == fraction(
            row["yield_on_cost"]
        ).lstrip("+")

        last, first = after["months"][-1], after["months"][0]
        assert tip(browser, month_label(last["month"]), at_right_end) == money(last["net"])
        assert tip(browser, month_label(first["month"]), home_key) == money(first["net"])
        ticks = wait(  # the chart may be redrawn while it is read
            browser,
            lambda d: [
                e.text for e in d.find_elements(By.CSS_SELECTOR, "#income-chart .y-axis span")
            ],
        )
        assert len(ticks) >= 2 and all(t.startswith("$") for t in ticks), ticks
        browser.execute_script("document.activeElement.blur();")
        ActionChains(browser).move_to_element(browser.find_element(By.ID, "income-net")).perform()
        settled_screenshot(browser, "income.png")
        assert on_phone(browser) <= 0

        Select(browser.find_element(By.ID, "income-account")).select_by_value(
            str(held["account_id"])
        )
        one = shows(browser, api, demo_auth, account_id=held["account_id"])
        assert one["account_ids"] == [held["account_id"]]
        browser.find_element(By.ID, "income-csv").click()
        saved = downloads / "income.csv"
        wait(browser, lambda d: saved.exists() and saved.stat().st_size > 0)
        rows = list(csv.DictReader(io.StringIO(saved.read_text())))
        assert len(rows) == one["totals"]["payments"]
        assert sum(Decimal(r["net"]) for r in rows) == Decimal(one["totals"]["net"])
    finally:
        api.delete(f"/api/v1/transactions/{paid['id']}", headers=demo_auth)
    assert console_errors(browser) == []
