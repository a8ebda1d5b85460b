"""The allocation page in headless Chromium against the real platform: targets are set through
its form (a wrong sum is refused beside the form, nothing saved), and its drift and trades
are the API's answer, with and without new cash, and move when a price arrives. The
screenshot goes to docs/screenshots/allocation.png.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.dashboard.screens import settled_screenshot, viewport
from tests.dashboard.test_browser import (
    login,
    open_page,
    publish_price,
    shown,
    text_now,
    text_of,
    wait,
)
from tests.dashboard.test_pages import get, money

pytestmark = pytest.mark.stack

BOND_TRADE = "#alloc-trades tr[data-key=bond]"
ROW_FIELDS = {"key": "key", "target": "target_percent", "drift": "drift_percent",
              "driftAmount": "drift_amount", "after": "value_after"}  # fmt: skip
TRADE_FIELDS = {"key": "key", "action": "action", "quantity": "quantity", "amount": "amount"}


def page_rows(driver: WebDriver, css: str, fields: dict[str, str]) -> list[dict[str, str]]:
    rows = driver.find_elements(By.CSS_SELECTOR, css)
    read = [(f"data-{page_name(name)}", api) for name, api in fields.items()]
    return [{api: row.get_attribute(data) or "" for data, api in read} for row in rows]


def page_name(name: str) -> str:
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name)


def api_rows(items: list[dict[str, Any]], fields: dict[str, str]) -> list[dict[str, str]]:
    return [{api: "" if item[api] is None else str(item[api]) for api in fields.values()}
            for item in items]  # fmt: skip


def planned(api: httpx.Client, auth: dict[str, str], **params: Any) -> Any:
    return get(api, auth, "/api/v1/allocation", **params)


def type_into(driver: WebDriver, css: str, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, css)
    box.clear()
    box.send_keys(text)


def agrees(driver: WebDriver, body: dict[str, Any]) -> bool:
    rows = page_rows(driver, "#alloc-rows tbody tr", ROW_FIELDS)
    trades = page_rows(driver, "#alloc-trades tbody tr", TRADE_FIELDS)
    return rows == api_rows(body["rows"], ROW_FIELDS) and trades == api_rows(
        body["trades"], TRADE_FIELDS
    )


def marked_outside(driver: WebDriver) -> set[str | None]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#alloc-rows tr.drift-out")
    return {r.get_attribute("data-key") for r in rows}


def test_targets_set_on_the_page_show_the_apis_drift_and_trades(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    viewport(browser, 1400, 900)
    auth = login(api, stack["demo_email"], stack["demo_password"])
    open_page(browser, stack, "allocation")
    shown(browser, "#alloc-rows tbody tr")

    def summed_alike(driver: WebDriver) -> dict[str, Any] | None:
        # the platform's first prices may still be arriving: the live page follows them
        plan = planned(api, auth, dimension="asset_class")
        total = f"Total {money(plan['total_value'], plan['base_currency'])}"
        return plan if text_now(driver, "#alloc-summary").startswith(total) else None

    before = wait(browser, summed_alike)
    held = [r["key"] for r in before["rows"]]
    assert "bond" not in held  # the demo holds none: its target becomes a trade without asset
    wanted = [*held, "bond"]
    weights = [100 // len(wanted)] * len(wanted)
    weights[0] += 100 - sum(weights)

    # a wrong sum is refused, beside the form, and nothing is stored
    for i in range(len(held)):
        type_into(browser, f"#alloc-w-{i}", str(weights[i]))
    browser.find_element(By.ID, "alloc-save").click()
    wait(browser, lambda d: "not 100" in text_of(d, "#alloc-form-status .notice.error"))
    assert get(api, auth, "/api/v1/allocation/targets")["targets"]["asset_class"] == []

    type_into(browser, "#alloc-new-key", "bond")
    type_into(browser, "#alloc-new-w", str(weights[-1]))
    type_into(browser, "#alloc-tolerance", "2")
    assert text_of(browser, "#alloc-sum") == "100"
    browser.find_element(By.ID, "alloc-save").click()
    wait(browser, lambda d: "Targets saved" in text_of(d, "#alloc-form-status .notice"))
    stored = get(api, auth, "/api/v1/allocation/targets")
    assert {t["key"]: int(Decimal(t["weight_percent"])) for t in stored["targets"]["asset_class"]} \
        == dict(zip(wanted, weights, strict=True))  # fmt: skip
    assert stored["tolerance_percent"] == "2"

    body = planned(api, auth, dimension="asset_class")
    assert body["trades"], "targets different from today's weights need trades"
    wait(browser, lambda d: agrees(d, planned(api, auth, dimension="asset_class")))
    outside, bond = wait(browser, lambda d: (marked_outside(d), text_now(d, BOND_TRADE)))
    assert outside == {r["key"] for r in body["rows"] if r["outside_tolerance"]}
    assert "Bond (nothing held yet)" in bond
    bond_amount = body["trades"][[t["key"] for t in body["trades"]].index("bond")]["amount"]
    assert money(bond_amount, body["base_currency"]) in bond
    browser.execute_script("window.scrollTo(0, 0);")
    settled_screenshot(browser, "allocation.png")

    # new money: buying only, as the API plans it
    type_into(browser, "#alloc-cash", "1000")
    browser.find_element(By.ID, "alloc-cash").send_keys(Keys.TAB)
    with_cash = planned(api, auth, dimension="asset_class", cash="1000")
    assert {t["action"] for t in with_cash["trades"]} == {"buy"}
    wait(browser, lambda d: agrees(d, with_cash))
    assert "buying only" in text_of(browser, "#alloc-summary")

    # a new price moves the figures on the page without a reload
    browser.execute_script("window.__samePage = true;")
    portfolio = get(api, auth, "/api/v1/portfolio")
    usd = next(h for h in portfolio["holdings"] if h["currency"] == "USD")
    publish_price(api, stack, usd["symbol"], Decimal(usd["price"]) * 2)
    wait(browser, lambda d: d.find_element(By.ID, "alloc-summary").get_attribute("data-total")
         != before["total_value"], 20)  # fmt: skip
    wait(
        browser,
        lambda d: agrees(d, planned(api, auth, dimension="asset_class", cash="1000")),
        10,
    )
    assert browser.execute_script("return window.__samePage === true;")


def test_one_account_chosen_shows_that_accounts_allocation(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    auth = login(api, stack["demo_email"], stack["demo_password"])
    open_page(browser, stack, "allocation")
    shown(browser, "#alloc-rows tbody tr")
    accounts = [a for a in get(api, auth, "/api/v1/accounts") if not a["closed_at"]]
    assert len(accounts) >= 2, "the demo user has several accounts"
    whole = planned(api, auth, dimension="asset_class")
    chosen = next(
        a for a in accounts
        if planned(api, auth, dimension="asset_class", account_id=a["id"])["total_value"]
        != whole["total_value"]
    )  # fmt: skip
    Select(browser.find_element(By.ID, "alloc-account")).select_by_value(str(chosen["id"]))

    def shows_the_account(d: WebDriver) -> dict[str, Any] | None:
        body = planned(api, auth, dimension="asset_class", account_id=chosen["id"])
        total = d.find_element(By.ID, "alloc-summary").get_attribute("data-total")
        return body if agrees(d, body) and total == body["total_value"] else None

    one = wait(browser, shows_the_account)
    assert one["account_id"] == chosen["id"]
    assert {t["account_id"] for t in one["trades"] if t["account_id"] is not None} <= {chosen["id"]}
