"""The benchmark page in headless Chromium at 1400 x 900 against the real platform: its cards,
charts and hover values are the API's figures, for another range and another asset too, and
they follow a price that arrives on the live stream. The screenshot goes to docs/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.dashboard.screens import settled_screenshot, viewport
from tests.dashboard.test_browser import (
    console_errors,
    login,
    medium_date,
    open_page,
    portfolio,
    publish_price,
    shown,
    text_of,
    wait,
)
from tests.dashboard.test_pages import fraction, get, on_phone

pytestmark = pytest.mark.stack

ROUTE = "/api/v1/portfolio/benchmark"
CARDS = {
    "#bench-twr": lambda a: a["twr"],
    "#bench-return": lambda a: a["benchmark_return"],
    "#bench-excess": lambda a: a["excess_return"],
    "#bench-drawdown": lambda a: a["max_drawdown"]["portfolio"]["depth"],
    "#bench-drawdown-benchmark": lambda a: a["max_drawdown"]["benchmark"]["depth"],
}


@pytest.fixture(scope="module", autouse=True)
def desktop(browser: WebDriver) -> Iterator[None]:
    viewport(browser, 1400, 900)
    yield
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def cards_show(answer: dict[str, Any]) -> Any:
    """A wait condition: every card reads the answer's figure as the page formats it."""
    expected = {css: fraction(figure(answer)) for css, figure in CARDS.items()}
    return lambda d: {css: text_of(d, css) for css in CARDS} == expected


def same_moment(api: httpx.Client, auth: dict[str, str], asset_id: int) -> dict[str, Any]:
    """The benchmark answer once it and the performance route report the same TWR: a price
    arriving between the two reads moves one and not yet the other."""
    seen = []
    for _ in range(10):
        answer = get(api, auth, ROUTE, asset_id=asset_id, range="1Y")
        performance = get(api, auth, "/api/v1/portfolio/performance", range="1Y")
        if answer["twr"] == performance["twr"]:
            return answer
        seen.append((answer["twr"], performance["twr"]))
        time.sleep(0.5)
    raise AssertionError(f"the benchmark's TWR never matched the performance route's: {seen}")


def test_the_page_shows_the_apis_comparison_and_follows_prices(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    auth = login(api, stack["demo_email"], stack["demo_password"])
    catalogue = {a["symbol"]: a for a in get(api, auth, "/api/v1/assets", limit=200)}
    open_page(browser, stack, "benchmark")
    picker = Select(shown(browser, "#bench-asset"))
    wait(browser, lambda d: picker.options)
    assert picker.first_selected_option.get_attribute("value") == str(catalogue["VTI"]["id"])

    answer = same_moment(api, auth, catalogue["VTI"]["id"])
    wait(browser, cards_show(answer), 30)
    assert text_of(browser, "#bench-return-sub") == "VTI in USD"
    theirs = answer["max_drawdown"]["benchmark"]
    fell = (
        f"{medium_date(theirs['peak'])} to {medium_date(theirs['trough'])}"
        if theirs["peak"]
        else ""
    )
    back = f"back {medium_date(theirs['recovery'])}" if theirs["recovery"] else "not recovered"
    assert text_of(browser, "#bench-drawdown-benchmark-sub") == (
        f"{fell} · {back}" if fell else "never below a peak"
    )

    chart = shown(browser, "#bench-return-chart figure")
    legend = [e.text for e in chart.find_elements(By.CSS_SELECTOR, ".legend li")]
    assert legend == ["Portfolio", "VTI"]
    axis = [e.text for e in chart.find_elements(By.CSS_SELECTOR, ".x-axis span")]
    points = answer["points"]
    assert (axis[0], axis[-1]) == (medium_date(points[0]["date"]), medium_date(points[-1]["date"]))
    ticks = [e.text for e in chart.find_elements(By.CSS_SELECTOR, ".y-axis span")]
    assert len(ticks) >= 2 and all(t.endswith("%") for t in ticks), ticks
    plot = chart.find_element(By.CSS_SELECTOR, ".plot")
    ActionChains(browser).move_to_element_with_offset(
        plot, plot.size["width"] // 2 - 1, 0
    ).perform()
    tip = shown(browser, "#bench-return-chart .chart-tip")
    assert tip.find_element(By.CSS_SELECTOR, ".tip-date").text == medium_date(points[-1]["date"])
    values = [e.text for e in tip.find_elements(By.CSS_SELECTOR, ".tip-value")]
    assert values == [fraction(points[-1]["portfolio"]), fraction(points[-1]["benchmark"])]
    drawdown = shown(browser, "#bench-drawdown-chart figure .plot")
    ActionChains(browser).move_to_element_with_offset(
        drawdown, 2 - drawdown.size["width"] // 2, 0
    ).perform()
    tip = shown(browser, "#bench-drawdown-chart .chart-tip")
    values = [e.text for e in tip.find_elements(By.CSS_SELECTOR, ".tip-value")]
    assert values == [fraction(points[0]["portfolio_drawdown"]),
                      fraction(points[0]["benchmark_drawdown"])]  # fmt: skip

    # another range, then another asset
    browser.find_element(By.XPATH, "//button[@class='range' and text()='3M']").click()
    wait(browser, cards_show(get(api, auth, ROUTE, asset_id=catalogue["VTI"]["id"], range="3M")))
    spy = catalogue["SPY"]["id"]
    picker.select_by_value(str(spy))
    wait(browser, cards_show(get(api, auth, ROUTE, asset_id=spy, range="3M")))
    browser.find_element(By.XPATH, "//button[@class='range' and text()='1Y']").click()
    wait(browser, cards_show(get(api, auth, ROUTE, asset_id=spy, range="1Y")))
    assert "range=1Y" in browser.current_url and f"asset={spy}" in browser.current_url
    ActionChains(browser).move_to_element(
        browser.find_element(By.CSS_SELECTOR, "main h1")
    ).perform()
    browser.execute_script("window.scrollTo(0, 0);")
    settled_screenshot(browser, "benchmark.png")

    # a price arrives: the portfolio's last point and the cards move without a reload
    browser.execute_script("window.__samePage = true;")
    before = get(api, auth, ROUTE, asset_id=spy, range="1Y")
    held = max(
        (h for h in portfolio(api, auth)["holdings"] if h["currency"] == "USD"),
        key=lambda h: Decimal(h["value_base"] or 0),
    )
    publish_price(api, stack, held["symbol"], Decimal(held["price"]) * 2)

    def moved(_: WebDriver) -> dict[str, Any] | None:
        now = get(api, auth, ROUTE, asset_id=spy, range="1Y")
        return now if now["twr"] != before["twr"] else None

    after = wait(browser, moved, 20)
    assert after["points"][-1]["portfolio"] == after["twr"] != before["points"][-1]["portfolio"]
    wait(browser, cards_show(get(api, auth, ROUTE, asset_id=spy, range="1Y")), 20)
    assert browser.execute_script("return window.__samePage === true;")

    # one account alone
    whole = get(api, auth, ROUTE, asset_id=spy, range="1Y")
    answers = {
        a["id"]: (
            a,
            get(api, auth, f"/api/v1/accounts/{a['id']}/benchmark", asset_id=spy, range="1Y"),
        )
        for a in get(api, auth, "/api/v1/accounts")
    }
    account, alone = next(pair for pair in answers.values() if pair[1]["twr"] != whole["twr"])
    Select(browser.find_element(By.ID, "bench-scope")).select_by_value(str(account["id"]))
    wait(browser, cards_show(alone))
    assert text_of(browser, "#bench-twr-sub") == f"{account['name']}, 1Y"
    legend = browser.find_elements(By.CSS_SELECTOR, "#bench-return-chart .legend li")
    assert [e.text for e in legend] == [account["name"], "SPY"]
    assert on_phone(browser) <= 0
    assert console_errors(browser) == []
