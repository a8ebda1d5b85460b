"""The dashboard in headless Chromium against the real platform, through the Envoy gateway.

One browser and one platform serve every test of the module; the tests run in file order and
each leaves the browser signed in as the demo user.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.cli.stack import REPO, read_json
from tests.dashboard.screens import on_desktop, settled_screenshot

pytestmark = pytest.mark.stack

SCREENSHOT = REPO / "test-artifacts" / "overview.png"
T = TypeVar("T")


def wait(driver: WebDriver, until: Callable[[WebDriver], T], timeout: float = 15) -> T:
    """``until(driver)`` once truthy; an element replaced while being read counts as not yet."""
    waiting = WebDriverWait(
        driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)
    )
    return waiting.until(until)  # type: ignore[no-any-return]


def shown(driver: WebDriver, css: str, timeout: float = 15) -> WebElement:
    def visible(d: WebDriver) -> WebElement | None:
        found = d.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found and found[0].is_displayed() else None

    return wait(driver, visible, timeout)


def text_of(driver: WebDriver, css: str) -> str:
    """The text of the first element ``css`` finds ("" if none), read again if a live page
    replaces the element while it is being read."""
    return wait(driver, lambda d: (text_now(d, css),))[0]


def text_now(driver: WebDriver, css: str) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0].text if found else ""


def sign_in(driver: WebDriver, email: str, password: str) -> None:
    """With the keyboard only: the e-mail field has focus, Tab leads to the password, Enter."""
    wait(driver, lambda d: d.switch_to.active_element.get_attribute("id") == "signin-email")
    driver.switch_to.active_element.send_keys(email, Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("id") == "signin-password"
    driver.switch_to.active_element.send_keys(password, Keys.ENTER)


def open_page(driver: WebDriver, stack: dict[str, Any], route: str) -> None:
    """Go to ``#/route`` (loaded afresh), signing in as the demo user when the page asks."""
    url = f"{stack['gateway_url']}/#/{route}"
    if driver.current_url == url:
        driver.refresh()  # going to the same URL would change nothing
    else:
        driver.get(url)
    first = shown(driver, "#signin-email, #nav:not([hidden])")
    if first.get_attribute("id") != "nav":
        sign_in(driver, stack["demo_email"], stack["demo_password"])
    shown(driver, "#nav")


def login(api: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = api.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def demo(api: httpx.Client, stack: dict[str, Any]) -> dict[str, str]:
    return login(api, stack["demo_email"], stack["demo_password"])


def portfolio(api: httpx.Client, auth: dict[str, str]) -> dict[str, Any]:
    response = api.get("/api/v1/portfolio", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def transaction_count(api: httpx.Client, auth: dict[str, str]) -> int:
    total = 0
    for account in api.get("/api/v1/accounts", headers=auth).json():
        page = api.get(f"/api/v1/accounts/{account['id']}/transactions?limit=500", headers=auth)
        total += len(page.json()["items"])
    return total


def publish_price(api: httpx.Client, stack: dict[str, Any], symbol: str, price: Decimal) -> None:
    """Price ``symbol`` by hand from now on, as an admin does through the asset service."""
    admin = login(api, "admin@pulsefolio.dev", stack["demo_password"])
    body = {"sources": [{"source": "manual", "provider_symbol": symbol}]}
    assert api.put(f"/api/v1/market/assets/{symbol}/sources", json=body, headers=admin).is_success
    prices = {"prices": [{"symbol": symbol, "price": str(price), "currency": "USD"}]}
    answer = api.put("/api/v1/market/manual-prices", json=prices, headers=admin)
    assert answer.status_code == 200, answer.text


def current_pid(stack: dict[str, Any], component: str) -> int:
    """The pid ``component`` runs as now (a restart gives it a new one)."""
    ready = read_json(Path(stack["data_dir"]) / "ready.json")
    return int(ready["components"][component]["pid"])


def sent(driver: WebDriver, method: str, path: str) -> list[dict[str, Any]]:
    """The page's requests to ``path`` since the performance log was last read (which empties
    it), with the headers and body the page gave them."""
    found = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.requestWillBeSent":
            continue
        request = message["params"]["request"]
        if request["method"] == method and urlsplit(request["url"]).path == path:
            found.append(request)
    return found


def medium_date(day: date | str) -> str:
    """``day`` as en-US ``dateStyle: "medium"`` writes it: "Jan 5, 2026"."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return f"{day:%b} {day.day}, {day.year}"


def create_transaction(
    api: httpx.Client, auth: dict[str, str], account_id: int, **body: Any
) -> dict[str, Any]:
    created = api.post(f"/api/v1/accounts/{account_id}/transactions", json=body, headers=auth)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def console_errors(driver: WebDriver) -> list[str]:
    """Script errors and policy violations; failed requests the page handles are not errors."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]


def test_wrong_password_is_refused_with_a_message(
    browser: WebDriver, stack: dict[str, Any]
) -> None:
    browser.get(stack["gateway_url"] + "/")
    sign_in(browser, stack["demo_email"], "not the password at all")
    alert = shown(browser, "form.auth-form [role=alert]")
    assert alert.text == "Wrong e-mail or password."
    assert browser.find_element(By.ID, "nav").get_attribute("hidden") is not None


def test_too_many_attempts_say_when_to_try_again(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    email = "guesser@example.org"
    body = {"email": email, "password": "x" * 12}
    with ThreadPoolExecutor(5) as pool:  # the limit per e-mail and address and minute
        answers = list(pool.map(lambda _: api.post("/api/v1/auth/login", json=body), range(5)))
    assert [a.status_code for a in answers] == [401] * 5
    browser.get(stack["gateway_url"] + "/")
    sign_in(browser, email, "y" * 12)
    alert = shown(browser, "form.auth-form [role=alert]")
    assert alert.text.startswith("Too many sign-in attempts. Try again in "), alert.text


ROWS = "#holdings tbody tr"


def test_demo_user_signs_in_and_sees_the_portfolio(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    browser.get(stack["gateway_url"] + "/")
    sign_in(browser, stack["demo_email"], stack["demo_password"])
    expected = portfolio(api, demo)
    # the live stream's snapshot draws the page once more: read it after that
    wait(browser, lambda d: "Live" in text_of(d, "#live-status"))
    symbols = wait(
        browser,
        lambda d: {r.get_attribute("data-symbol") for r in d.find_elements(By.CSS_SELECTOR, ROWS)},
    )
    assert symbols == {h["symbol"] for h in expected["holdings"]} and symbols
    total = wait(browser, lambda d: text_of(d, "#total-value"))
    assert total.startswith("$") and "," in total  # the demo user counts in USD, en-US
    charts = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".allocations figure svg"))
    assert len(charts) == 3
    # The demo's sales and dividends left cash: a Cash card, a row per balance, a Cash slice.
    assert Decimal(expected["cash_value"]) > 0
    assert wait(browser, lambda d: text_of(d, "#cash-value")).startswith("$")
    cash_rows = browser.find_elements(By.CSS_SELECTOR, "#cash-balances tbody tr")
    assert len(cash_rows) == len(expected["cash"]) > 0
    legend = wait(
        browser, lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, ".legend-label")]
    )
    assert "Cash" in legend
    assert not browser.find_element(By.ID, "nav-admin").is_displayed()
    history = shown(browser, ".history-body > figure, .history-body > .notice", 30)
    assert history.tag_name == "figure", history.text  # the value-over-time chart is drawn
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    print(f"overview screenshot: {SCREENSHOT}")
    assert console_errors(browser) == []


def test_new_price_changes_the_value_without_reload(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    open_page(browser, stack, "overview")
    held = next(h for h in portfolio(api, demo)["holdings"] if h["currency"] == "USD")
    new_price = (Decimal(held["price"]) * 2 + Decimal("0.37")).quantize(Decimal("0.01"))
    wait(browser, lambda d: "Live" in text_of(d, "#live-status"))
    row = f"#holdings tr[data-key='{held['account_id']}:{held['asset_id']}']"
    before = shown(browser, "#total-value").text
    browser.execute_script("window.__samePage = true;")

    publish_price(api, stack, held["symbol"], new_price)

    price_text = f"${new_price:,.2f}"
    wait(browser, lambda d: text_of(d, f"{row} td[data-col=price]") == price_text, 20)
    wait(browser, lambda d: text_of(d, "#total-value") != before)
    assert browser.execute_script("return window.__samePage === true;")
    assert "Last updated" in text_of(browser, "#last-updated")
    # the page settles on the total the API reports
    wait(
        browser,
        lambda d: (
            portfolio(api, demo)["total_value"]
            in d.find_element(By.ID, "total-value").text.replace(",", "").replace("$", "")
        ),
        10,
    )


def test_the_page_reconnects_after_the_gateway_drops_it(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    open_page(browser, stack, "overview")
    wait(browser, lambda d: "Live" in text_of(d, "#live-status"))
    browser.execute_script("window.__samePage = true;")
    os.kill(stack["components"]["envoy"]["pid"], signal.SIGKILL)  # the supervisor restarts it
    wait(browser, lambda d: "retrying" in text_of(d, "#live-status"), 10)
    wait(browser, lambda d: text_of(d, "#live-status") == "Live", 20)

    held = next(h for h in portfolio(api, demo)["holdings"] if h["currency"] == "USD")
    new_price = (Decimal(held["price"]) + Decimal("1.11")).quantize(Decimal("0.01"))
    publish_price(api, stack, held["symbol"], new_price)
    row = f"#holdings tr[data-key='{held['account_id']}:{held['asset_id']}']"
    wait(browser, lambda d: text_of(d, f"{row} td[data-col=price]") == f"${new_price:,.2f}", 20)
    assert browser.execute_script("return window.__samePage === true;")
    browser.get_log("browser")  # the refused attempts while the gateway was down are expected


def test_a_silent_stream_is_replaced(browser: WebDriver, stack: dict[str, Any]) -> None:
    """A connection that stops carrying anything (a laptop asleep, a changed network) is not
    shown as live: with the gateway frozen, no ping arrives, and 2.5 heartbeats later (the
    stack pings every 2 s) the page reconnects."""
    open_page(browser, stack, "overview")
    wait(browser, lambda d: text_of(d, "#live-status") == "Live")
    time.sleep(3)  # a ping came: the stream is quiet, not dead
    assert text_of(browser, "#live-status") == "Live"
    envoy = current_pid(stack, "envoy")
    os.kill(envoy, signal.SIGSTOP)
    try:
        began = time.monotonic()
        wait(browser, lambda d: text_of(d, "#live-status") not in ("", "Live"), 20)
        assert time.monotonic() - began >= 2  # not at once: 2.5 heartbeats of silence
    finally:
        os.kill(envoy, signal.SIGCONT)
    wait(browser, lambda d: text_of(d, "#live-status") == "Live", 40)
    browser.get_log("browser")  # requests cut off while the gateway was frozen are expected


def test_a_purchase_appears_as_a_holding(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    held = {h["symbol"] for h in portfolio(api, demo)["holdings"]}
    assets = api.get("/api/v1/assets?limit=200", headers=demo).json()
    new = next(a for a in assets if a["symbol"] not in held and a["asset_class"] != "cash")
    open_page(browser, stack, "accounts")
    panel = shown(browser, "section.account")
    panel.find_element(By.XPATH, ".//button[text()='Add transaction']").click()
    form = shown(browser, "form.tx-form")
    Select(form.find_element(By.NAME, "type")).select_by_value("BUY")
    form.find_element(By.NAME, "asset_id").send_keys(new["symbol"])
    form.find_element(By.NAME, "quantity").send_keys("abc")
    form.find_element(By.NAME, "price").send_keys("12.5")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # the server's field error is shown next to the field it names
    error = shown(browser, "form.tx-form [data-field=quantity] .field-error")
    assert error.text
    assert form.find_element(By.NAME, "quantity").get_attribute("aria-invalid") == "true"
    quantity = form.find_element(By.NAME, "quantity")
    quantity.clear()
    quantity.send_keys("3")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: "Buy recorded." in panel.text)
    assert new["symbol"] in panel.find_element(By.CSS_SELECTOR, "table.tx").text

    browser.find_element(By.CSS_SELECTOR, "#nav a[data-route=overview]").click()
    row = shown(browser, f"#holdings tr[data-symbol='{new['symbol']}']")
    assert row.find_element(By.CSS_SELECTOR, "td[data-col=quantity]").text == "3"

    # correct the quantity, then delete the purchase: the holding follows each time
    open_page(browser, stack, "accounts")
    panel = shown(browser, "section.account")
    line = wait(
        browser,
        lambda d: [
            tr
            for tr in panel.find_elements(By.CSS_SELECTOR, "table.tx tbody tr")
            if tr.find_element(By.CSS_SELECTOR, "th").text == new["symbol"]
        ],
    )[0]
    line.find_element(By.XPATH, ".//button[text()='Correct']").click()
    quantity = shown(browser, "form.tx-form").find_element(By.NAME, "quantity")
    assert quantity.get_attribute("value") == "3"
    quantity.clear()
    quantity.send_keys("4")
    quantity.submit()
    wait(browser, lambda d: "Transaction corrected." in panel.text)
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-route=overview]").click()
    quantity_cell = f"#holdings tr[data-symbol='{new['symbol']}'] td[data-col=quantity]"
    wait(browser, lambda d: text_of(d, quantity_cell) == "4")

    open_page(browser, stack, "accounts")
    panel = shown(browser, "section.account")
    delete = shown(browser, f"section.account button[aria-label^='Delete Buy {new['symbol']} ']")
    delete.click()
    delete.click()  # the second press confirms
    wait(browser, lambda d: "Transaction deleted." in panel.text)
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-route=overview]").click()
    shown(browser, "#holdings tbody tr")
    gone = f"#holdings tr[data-symbol='{new['symbol']}']"
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, gone))  # once the stream says
    assert console_errors(browser) == []


def test_an_account_exports_its_transactions_as_csv(
    browser: WebDriver, stack: dict[str, Any], downloads: Path
) -> None:
    open_page(browser, stack, "accounts")
    panel = shown(browser, "section.account")
    rows = wait(browser, lambda d: panel.find_elements(By.CSS_SELECTOR, "table.tx tbody tr"))
    panel.find_element(By.XPATH, ".//button[text()='Export CSV']").click()
    saved = downloads / f"pulsefolio-{panel.get_attribute('data-account')}.csv"
    wait(browser, lambda d: saved.exists() and saved.stat().st_size > 0)
    lines = saved.read_text().splitlines()
    assert {"date", "symbol", "type", "quantity", "price", "fee"} <= set(lines[0].split(","))
    assert len(lines) - 1 == len(rows)


def test_accounts_are_created_and_renamed(browser: WebDriver, stack: dict[str, Any]) -> None:
    open_page(browser, stack, "accounts")
    form = shown(browser, "form[aria-labelledby=new-account-h]")
    form.find_element(By.NAME, "currency").clear()
    form.find_element(By.NAME, "currency").send_keys("XX")
    form.find_element(By.NAME, "name").send_keys("Side pot")
    form.submit()
    assert shown(browser, "[data-field=currency] .field-error").text  # the server's reason
    form.find_element(By.NAME, "currency").clear()
    form.find_element(By.NAME, "currency").send_keys("chf")
    form.submit()
    heading = wait(
        browser,
        lambda d: [
            h
            for h in d.find_elements(By.CSS_SELECTOR, "section.account h2")
            if h.text == "Side pot"
        ],
    )[0]
    panel = heading.find_element(By.XPATH, "./ancestor::section")
    assert "CHF" in panel.text
    panel.find_element(By.XPATH, ".//button[text()='Rename']").click()
    name = panel.find_element(By.CSS_SELECTOR, "form.inline-form input[name=name]")
    name.clear()
    name.send_keys("Swiss pot")
    name.submit()
    wait(browser, lambda d: heading.text == "Swiss pot")
    browser.refresh()
    wait(
        browser,
        lambda d: (
            "Swiss pot" in {h.text for h in d.find_elements(By.CSS_SELECTOR, "section.account h2")}
        ),
    )


def test_csv_import_with_a_bad_row_reports_it_and_adds_nothing(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    before = transaction_count(api, demo)
    symbol = portfolio(api, demo)["holdings"][0]["symbol"]
    day = datetime.now(UTC).date().isoformat()
    csv = (
        "date,symbol,type,quantity,price,fee,currency,account\n"
        f"{day},{symbol},BUY,1,10,0,,\n"
        f"{day},{symbol},BUY,not-a-number,10,0,,\n"
    )
    open_page(browser, stack, "import")
    content = shown(browser, "textarea[name=content]")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "select[name=account_id] option"))
    browser.execute_script("arguments[0].value = arguments[1];", content, csv)
    browser.find_element(By.ID, "import-preview").click()
    errors = shown(browser, "#import-errors")
    cells = [td.text for td in errors.find_elements(By.CSS_SELECTOR, "tbody tr td")]
    assert cells[:2] == ["2", "quantity"], cells
    assert len(errors.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1
    assert not browser.find_element(By.ID, "import-confirm").is_enabled()
    assert "nothing was imported" in text_of(browser, "#import-status")
    assert transaction_count(api, demo) == before
    assert console_errors(browser) == []


def test_dates_show_the_day_given_west_of_utc(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    """In New York, a day of the value history and a transaction at midnight UTC (an imported
    date) show as that day, not the evening before."""
    account = api.get("/api/v1/accounts", headers=demo).json()[0]
    day = datetime.now(UTC).date() - timedelta(days=2)
    tx = create_transaction(
        api, demo, account["id"], type="DEPOSIT", amount="1", executed_at=f"{day}T00:00:00Z"
    )
    points = api.get("/api/v1/portfolio/history?range=1Y&interval=day", headers=demo).json()
    ends = [medium_date(points["points"][0]["date"]), medium_date(points["points"][-1]["date"])]
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "America/New_York"})
    try:
        open_page(browser, stack, "overview")
        zone = browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        assert zone == "America/New_York"
        spans = ".chart-range span"
        wait(
            browser,
            lambda d: [e.text for e in d.find_elements(By.CSS_SELECTOR, spans)][::2] == ends,
            30,
        )
        open_page(browser, stack, "accounts")
        assert shown(browser, f"tr[data-tx='{tx['id']}'] td").text == medium_date(day)
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})
        api.delete(f"/api/v1/transactions/{tx['id']}", headers=demo)


def test_a_correction_clears_what_was_blanked_and_keeps_the_time(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    held = next(h for h in portfolio(api, demo)["holdings"] if h["currency"] == "USD")
    at = (datetime.now(UTC) - timedelta(hours=1)).replace(second=30, microsecond=0)
    tx = create_transaction(
        api,
        demo,
        held["account_id"],
        type="BUY",
        asset_id=held["asset_id"],
        quantity="1",
        price="10",
        fee="1.5",
        note="to correct",
        executed_at=at.isoformat(),
    )

    def stored() -> dict[str, Any]:
        answer = api.get(f"/api/v1/transactions/{tx['id']}", headers=demo)
        return answer.json()  # type: ignore[no-any-return]

    def correct() -> WebElement:
        row = shown(browser, f"tr[data-tx='{tx['id']}']")
        row.find_element(By.XPATH, ".//button[text()='Correct']").click()
        return shown(browser, "form.tx-form")

    try:
        open_page(browser, stack, "accounts")
        form = correct()
        fee = form.find_element(By.NAME, "fee")
        assert fee.get_attribute("value") == "1.5"
        fee.clear()
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, lambda d: stored()["fee"] == "0")
        after = stored()
        assert datetime.fromisoformat(after["executed_at"]) == at  # the seconds too
        assert (after["type"], after["quantity"], after["note"]) == ("BUY", "1", "to correct")

        # now a deposit: the purchase's symbol, quantity and price go with the type
        form = correct()
        Select(form.find_element(By.NAME, "type")).select_by_value("DEPOSIT")
        form.find_element(By.NAME, "amount").send_keys("25")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, lambda d: stored()["type"] == "DEPOSIT")
        after = stored()
        assert [after[k] for k in ("asset_id", "quantity", "price", "amount", "fee")] == [
            None,
            None,
            None,
            "25",
            "0",
        ]
        assert datetime.fromisoformat(after["executed_at"]) == at
    finally:
        api.delete(f"/api/v1/transactions/{tx['id']}", headers=demo)
    assert console_errors(browser) == []


def test_prices_below_a_cent_keep_their_digits(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    held = {h["symbol"] for h in portfolio(api, demo)["holdings"]}
    assets = api.get("/api/v1/assets?limit=200", headers=demo).json()
    penny = next(
        a
        for a in assets
        if a["symbol"] not in held and a["asset_class"] != "cash" and a["currency"] == "USD"
    )
    account = api.get("/api/v1/accounts", headers=demo).json()[0]
    at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    tx = create_transaction(
        api,
        demo,
        account["id"],
        type="BUY",
        asset_id=penny["id"],
        quantity="1000",
        price="0.0042",
        executed_at=at,
    )
    try:
        publish_price(api, stack, penny["symbol"], Decimal("0.0035"))
        open_page(browser, stack, "accounts")
        assert "$0.0042" in shown(browser, f"tr[data-tx='{tx['id']}']").text
        open_page(browser, stack, "overview")
        price = f"#holdings tr[data-symbol='{penny['symbol']}'] td[data-col=price]"
        wait(browser, lambda d: text_of(d, price) == "$0.0035", 20)
    finally:
        api.delete(f"/api/v1/transactions/{tx['id']}", headers=demo)


def test_a_retried_submission_keeps_its_idempotency_key(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    """Pressing Add again after a failure sends the same key, a changed form a new one; a
    repeat of the request that did book (a retry by the gateway) books nothing more."""
    account = api.get("/api/v1/accounts", headers=demo).json()[0]
    path = f"/api/v1/accounts/{account['id']}/transactions"
    open_page(browser, stack, "accounts")
    panel = shown(browser, f"section.account[data-account='{account['id']}']")
    panel.find_element(By.XPATH, ".//button[text()='Add transaction']").click()
    form = shown(browser, "form.tx-form")
    Select(form.find_element(By.NAME, "type")).select_by_value("DEPOSIT")
    form.find_element(By.NAME, "amount").send_keys("a lot")
    sent(browser, "POST", path)
    posts: list[dict[str, Any]] = []

    def posted(count: int) -> Callable[[WebDriver], bool]:
        def seen(driver: WebDriver) -> bool:
            posts.extend(sent(driver, "POST", path))
            return len(posts) >= count

        return seen

    for count in (1, 2):  # refused twice, unchanged
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait(browser, posted(count))
        shown(browser, "form.tx-form [data-field=amount] .field-error")
    amount = form.find_element(By.NAME, "amount")
    amount.clear()
    amount.send_keys("7.25")
    before = transaction_count(api, demo)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(browser, lambda d: "Deposit recorded." in panel.text)
    posts += sent(browser, "POST", path)
    keys = [p["headers"].get("Idempotency-Key") for p in posts]
    assert len(keys) == 3 and keys[0] == keys[1] != keys[2] and all(keys), keys
    assert transaction_count(api, demo) == before + 1

    headers = {**demo, "Content-Type": "application/json", "Idempotency-Key": keys[2]}
    again = api.post(path, content=posts[2]["postData"], headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert transaction_count(api, demo) == before + 1
    api.delete(f"/api/v1/transactions/{again.json()['id']}", headers=demo)


def test_an_import_is_sent_once_under_its_preview_key(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo: dict[str, str]
) -> None:
    """A choice changed after the preview asks for a new preview; the import carries one key,
    so a repeat of it (a retry by the gateway) imports nothing more."""
    if len(api.get("/api/v1/accounts", headers=demo).json()) < 2:
        api.post("/api/v1/accounts", json={"name": "Second", "currency": "USD"}, headers=demo)
    csv = f"date,type,amount,note\n{datetime.now(UTC).date()},DEPOSIT,3.5,sent once\n"
    open_page(browser, stack, "import")
    content = shown(browser, "textarea[name=content]")
    options = "select[name=account_id] option"
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, options)) > 1)
    browser.execute_script("arguments[0].value = arguments[1];", content, csv)
    confirm = browser.find_element(By.ID, "import-confirm")
    account = Select(browser.find_element(By.NAME, "account_id"))
    for change in (
        lambda: account.select_by_index(1),
        lambda: Select(browser.find_element(By.NAME, "format")).select_by_value("ghostfolio"),
    ):
        browser.find_element(By.ID, "import-preview").click()
        wait(browser, lambda d: confirm.is_enabled())
        change()
        assert not confirm.is_enabled()
        Select(browser.find_element(By.NAME, "format")).select_by_value("csv")
    browser.find_element(By.ID, "import-preview").click()
    wait(browser, lambda d: confirm.is_enabled())
    sent(browser, "POST", "/api/v1/imports")
    before = transaction_count(api, demo)
    confirm.click()
    wait(browser, lambda d: "1 transactions imported." in text_of(d, "#import-status"))
    (request,) = sent(browser, "POST", "/api/v1/imports")
    key = request["headers"].get("Idempotency-Key")
    assert key
    assert transaction_count(api, demo) == before + 1

    headers = {**demo, "Content-Type": "application/json", "Idempotency-Key": key}
    again = api.post("/api/v1/imports", content=request["postData"], headers=headers)
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert transaction_count(api, demo) == before + 1

    # the same file once more: its row is marked as booked and left out
    assert browser.find_element(By.ID, "import-skip-booked").is_selected()
    browser.find_element(By.ID, "import-preview").click()
    wait(browser, lambda d: "already booked will be left out" in text_of(d, "#import-status"))
    assert text_of(browser, "#import-rows tbody tr .booked-mark") == "already booked"
    with on_desktop(browser):
        settled_screenshot(browser, "import.png")
    wait(browser, lambda d: confirm.is_enabled())
    confirm.click()
    left_out = "0 transactions imported. 1 row already booked left out."
    wait(browser, lambda d: left_out in text_of(d, "#import-status"))
    assert transaction_count(api, demo) == before + 1
    for tx_id in again.json()["transaction_ids"]:
        api.delete(f"/api/v1/transactions/{tx_id}", headers=demo)
    assert console_errors(browser) == []


def test_skip_link_moves_to_the_content_and_keeps_the_page(
    browser: WebDriver, stack: dict[str, Any]
) -> None:
    open_page(browser, stack, "accounts")
    shown(browser, "section.account")
    browser.execute_script("window.__samePage = true;")
    skip = browser.find_element(By.CSS_SELECTOR, "a.skip")
    browser.execute_script("arguments[0].focus();", skip)
    skip.send_keys(Keys.ENTER)
    wait(browser, lambda d: d.switch_to.active_element.get_attribute("id") == "main")
    time.sleep(0.5)  # time for a wrong route change to show
    assert browser.switch_to.active_element.get_attribute("id") == "main"
    assert text_of(browser, "main h1") == "Accounts"
    assert browser.execute_script("return location.hash") == "#/accounts"
    assert browser.execute_script("return window.__samePage === true;")


def test_signing_out_says_so(browser: WebDriver, stack: dict[str, Any]) -> None:
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    assert shown(browser, "form.auth-form .notice").text == "You are signed out."
    time.sleep(1)  # time for a redraw to drop it
    assert text_of(browser, "form.auth-form .notice") == "You are signed out."
    assert browser.execute_script("return location.hash") == "#/signin"
    sign_in(browser, stack["demo_email"], stack["demo_password"])
    shown(browser, "#nav")


def test_tabs_share_one_login(browser: WebDriver, stack: dict[str, Any]) -> None:
    """A tab opened from another (it starts with a copy of the opener's session storage) and
    the opener each refresh on load; every refresh rotates the refresh token and a used one
    coming back signs the whole login out, so the tabs must spend one token chain, not two
    copies. Signing out in one tab signs the other out too. (It ends signed in as the admin,
    whom the next test needs: signing in as the demo user again would spend the demo user's
    login attempts, which are limited to five a minute.)"""
    open_page(browser, stack, "overview")
    first = browser.current_window_handle
    browser.execute_script("window.open(location.href, '_blank')")
    second = next(handle for handle in browser.window_handles if handle != first)
    try:
        browser.switch_to.window(second)
        shown(browser, "#nav")  # signed in: it refreshed with the shared token
        browser.switch_to.window(first)
        for _ in range(2):
            browser.refresh()  # a refresh on load, after the other tab's
            shown(browser, "#nav")
        browser.switch_to.window(second)
        browser.refresh()
        shown(browser, "#nav")
        browser.find_element(By.ID, "sign-out").click()
        shown(browser, "form.auth-form")
        browser.close()
        browser.switch_to.window(first)
        shown(browser, "form.auth-form")  # the sign-out reached this tab
        assert not browser.find_element(By.ID, "nav").is_displayed()
        sign_in(browser, "admin@pulsefolio.dev", stack["demo_password"])
        shown(browser, "#nav")
    finally:
        if second in browser.window_handles:
            browser.switch_to.window(second)
            browser.close()
        browser.switch_to.window(first)
    assert console_errors(browser) == []


def test_admin_sees_source_health_and_price_age(browser: WebDriver, stack: dict[str, Any]) -> None:
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, "admin@pulsefolio.dev", stack["demo_password"])
    shown(browser, "#nav-admin a").click()
    assert shown(browser, "#admin-health").text.startswith("Status ok")
    sources = browser.find_elements(By.CSS_SELECTOR, "#admin-sources tbody th")
    assert "manual" in {s.text for s in sources}
    ages = shown(browser, "#admin-staleness tbody tr", 20)
    assert ages.find_element(By.CSS_SELECTOR, "th").text
    assert console_errors(browser) == []


def test_a_new_user_signs_up_and_starts_empty(browser: WebDriver, stack: dict[str, Any]) -> None:
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    shown(browser, "a[href='#/signup']").click()
    form = shown(browser, "form[aria-labelledby=signup]")
    form.find_element(By.NAME, "email").send_keys("newcomer@example.org")
    form.find_element(By.NAME, "password").send_keys("short")
    Select(form.find_element(By.NAME, "base_currency")).select_by_value("CHF")
    form.submit()
    assert "10" in shown(browser, "[data-field=password] .field-error").text
    form.find_element(By.NAME, "password").send_keys(" but now long enough")
    form.submit()
    wait(browser, lambda d: "No holdings yet" in text_of(d, ".page-status .notice"))
    assert text_of(browser, "#total-value") == "CHF 0.00"
    assert text_of(browser, "#user-email") == "newcomer@example.org"
    assert console_errors(browser) == []


def test_the_overview_fits_a_phone_screen(browser: WebDriver, stack: dict[str, Any]) -> None:
    """At 390 x 844 CSS pixels the page never scrolls sideways: wide tables scroll inside their
    own box, and the navigation, the totals and every holding stay reachable."""
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, stack["demo_email"], stack["demo_password"])
    size = browser.get_window_size()
    browser.set_window_size(390, 844)
    try:
        wait(browser, lambda d: d.execute_script("return window.innerWidth") <= 400)
        rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#holdings tbody tr"))
        assert rows and shown(browser, "#total-value").text.startswith("$")
        assert shown(browser, "#nav").is_displayed()
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the page is {overflow} px wider than the screen"
        browser.save_screenshot(str(SCREENSHOT.with_name("overview-phone.png")))
        assert shown(browser, "#user-email").text  # the way to the settings stays on a phone
    finally:
        browser.set_window_size(size["width"], size["height"])
    assert console_errors(browser) == []


def test_the_api_docs_page_works_offline_under_the_gateways_policy(
    browser: WebDriver, stack: dict[str, Any]
) -> None:
    """Swagger UI's files come from the platform itself; the page lists each of the API's
    operations once (no bench routes outside bench mode), offers Authorize for the bearer
    token, fetches nothing that fails (favicon included) and reports no blocked script or style."""
    browser.get_log("browser")
    browser.get_log("performance")
    browser.get(stack["gateway_url"] + "/api/v1/docs")
    paths = wait(
        browser,
        lambda d: (
            [e.text for e in d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")] or None
        ),
    )
    listed = [path.replace("\u200b", "") for path in paths]
    assert "/api/v1/portfolio" in listed
    assert listed.count("/api/v1/tokens") == 2  # GET and POST, each once
    assert not [path for path in listed if path.startswith("/api/v1/bench")]
    assert browser.find_elements(By.CSS_SELECTOR, ".auth-wrapper .authorize")
    log = [json.loads(entry["message"])["message"] for entry in browser.get_log("performance")]
    failed = [
        event["params"]["response"]["url"]
        for event in log
        if event["method"] == "Network.responseReceived"
        and event["params"]["response"]["status"] >= 400
    ]
    assert failed == []
    requested = [
        event["params"]["request"]["url"]
        for event in log
        if event["method"] == "Network.requestWillBeSent"
    ]
    assert [url for url in requested if "favicon" in url], requested
    fetched = [url for url in requested if url.startswith(("http:", "https:"))]
    assert fetched and all(url.startswith(stack["gateway_url"]) for url in fetched), fetched
    assert console_errors(browser) == []


def test_the_tax_lot_page_shows_the_reports_figures(
    browser: WebDriver,
    stack: dict[str, Any],
    api: httpx.Client,
    demo: dict[str, str],
    downloads: Path,
) -> None:
    headers = demo
    this_year = datetime.now(UTC).year
    reports = (
        api.get(f"/api/v1/reports/tax-lots?year={y}", headers=headers).json()
        for y in range(this_year, this_year - 12, -1)
    )
    report = next(r for r in reports if r["lots"])
    open_page(browser, stack, "taxlots")
    Select(shown(browser, "#taxlots-year")).select_by_value(str(report["year"]))
    totals = wait(
        browser,
        lambda d: next(
            (
                p
                for p in d.find_elements(By.CSS_SELECTOR, "#taxlots p.totals")
                if p.get_attribute("data-lots") == str(report["totals"]["lots"])
            ),
            None,
        ),
    )
    t = report["totals"]
    assert [totals.get_attribute(f"data-{k}") for k in ("gain-net", "gain-gross", "fees")] == [
        t["gain_net"], t["gain_gross"], t["fees"],
    ]  # fmt: skip
    rows = browser.find_elements(By.CSS_SELECTOR, "#taxlots table.taxlots tbody tr")
    assert [r.get_attribute("data-gain-net") for r in rows] == [
        lot["gain_net"] for lot in report["lots"]
    ]
    with on_desktop(browser):
        settled_screenshot(browser, "taxlots.png")
    browser.find_element(By.ID, "taxlots-csv").click()
    saved = downloads / f"tax-lots-{report['year']}.csv"
    wait(browser, lambda d: saved.exists() and saved.stat().st_size > 0)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("account_id,") and len(lines) - 1 == len(report["lots"])
