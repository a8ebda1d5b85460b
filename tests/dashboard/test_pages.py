"""What a new user meets, and the transactions, holding and settings pages, in headless Chromium
at 1400 x 900 (and 390 x 844) against the real platform; figures on the page are checked against
the API's answers. Screenshots of the overview and these pages go to docs/screenshots/.

The tests run in file order on one browser and one platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.dashboard.screens import DESKTOP, on_desktop, settled_screenshot, viewport
from tests.dashboard.test_browser import (
    console_errors,
    create_transaction,
    login,
    medium_date,
    open_page,
    portfolio,
    publish_price,
    shown,
    sign_in,
    text_now,
    text_of,
    wait,
)

pytestmark = pytest.mark.stack

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


@pytest.fixture(scope="module")
def demo_auth(api: httpx.Client, stack: dict[str, Any]) -> dict[str, str]:
    return login(api, stack["demo_email"], stack["demo_password"])


@pytest.fixture(scope="module", autouse=True)
def desktop(browser: WebDriver) -> Iterator[None]:
    with on_desktop(browser):
        yield


def money(amount: str | Decimal | None, currency: str = "USD", signed: bool = False) -> str:
    """``amount`` as en-US Intl writes it: "$1,234.50", "-€3.00", "+$0.10"."""
    if amount is None:
        return "—"
    value = Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}{SYMBOLS[currency]}{abs(value):,.2f}"


def fraction(value: str | None) -> str:
    """A return as Intl's signed percent: "+5.23%", "—" for none."""
    if value is None:
        return "—"
    percent = (Decimal(value) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sign = "-" if percent < 0 else ("+" if percent > 0 else "")
    return f"{sign}{abs(percent):,.2f}%"


def quantity(value: str) -> str:
    text = f"{Decimal(value).normalize():,f}"
    return text


def get(api: httpx.Client, auth: dict[str, str], path: str, **params: Any) -> Any:
    answer = api.get(path, params=params, headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def page_overflow(driver: WebDriver) -> int:
    return int(
        driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def on_phone(driver: WebDriver) -> int:
    """How far the page on screen is wider than a 390 x 844 phone (0: not at all)."""
    viewport(driver, 390, 844)
    try:
        return page_overflow(driver)
    finally:
        viewport(driver, *DESKTOP)


def test_signed_out_shows_no_session_controls(browser: WebDriver, stack: dict[str, Any]) -> None:
    browser.get(stack["gateway_url"] + "/")
    shown(browser, "#signin-email")
    for control in ("live-status", "sign-out", "nav"):
        assert not browser.find_element(By.ID, control).is_displayed(), control
    sign_in(browser, stack["demo_email"], stack["demo_password"])
    assert shown(browser, "#sign-out").is_displayed()
    assert shown(browser, "#live-status").is_displayed()


def todays_value(api: httpx.Client, auth: dict[str, str]) -> str:
    """The last point of the value history the overview draws (1Y, daily), as the page shows it."""
    history = get(api, auth, "/api/v1/portfolio/history", range="1Y", interval="day")
    return money(history["points"][-1]["value"])


def value_at_the_end(driver: WebDriver) -> str:
    """The value chart's tip at its last point. A live price redraws the chart, and the tip with
    it, so the pointer moves there afresh each time."""
    plot = driver.find_element(By.CSS_SELECTOR, ".history-body .plot")
    width = plot.size["width"]
    for dx in (2, 1):
        ActionChains(driver).move_to_element_with_offset(plot, width // 2 - dx, 0).perform()
    return text_now(driver, ".chart-tip .tip-value")


def test_overview_fits_and_its_chart_has_axes_and_values(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo_auth: dict[str, str]
) -> None:
    open_page(browser, stack, "overview")
    wait(browser, lambda d: text_of(d, "#live-status") == "Live")
    shown(browser, "#holdings tbody tr")
    edge = browser.execute_script(
        "const cell = document.querySelector('#holdings thead th:last-child');"
        "const box = document.querySelector('#holdings').parentElement;"
        "return [cell.getBoundingClientRect().right, document.documentElement.clientWidth,"
        " box.scrollWidth - box.clientWidth];"
    )
    right, width, hidden = edge
    assert right <= width and hidden <= 0, f"last column ends at {right} of {width} px ({hidden})"

    history = get(api, demo_auth, "/api/v1/portfolio/history", range="1Y", interval="day")
    plot = shown(browser, ".history-body .plot", 30)
    ticks = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".history-body .y-axis span")]
    assert len(ticks) >= 2 and all(t.startswith("$") for t in ticks), ticks
    grid = browser.find_elements(By.CSS_SELECTOR, ".history-body svg line.grid")
    assert len(grid) == len(ticks)
    dates = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".history-body .x-axis span")]
    assert dates[0] == medium_date(history["points"][0]["date"])
    assert dates[-1] == medium_date(history["points"][-1]["date"])

    width = plot.size["width"]
    ActionChains(browser).move_to_element_with_offset(plot, width // 2 - 1, 0).perform()
    tip = shown(browser, ".history-body .chart-tip")
    last = history["points"][-1]
    assert tip.find_element(By.CSS_SELECTOR, ".tip-date").text == medium_date(last["date"])

    # today's point moves with live prices, on the page and the API
    wait(browser, lambda d: value_at_the_end(d) == todays_value(api, demo_auth))
    plot = shown(browser, ".history-body .plot")
    ActionChains(browser).move_to_element_with_offset(plot, -(width // 2) + 1, 0).perform()
    first = history["points"][0]
    wait(browser, lambda d: text_of(d, ".chart-tip .tip-date") == medium_date(first["date"]))
    assert text_of(browser, ".chart-tip .tip-value") == money(first["value"])
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "total-value")).perform()
    settled_screenshot(browser, "overview.png")
    assert console_errors(browser) == []


def test_the_return_card_and_todays_value_follow_the_live_stream(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo_auth: dict[str, str]
) -> None:
    def twr() -> str | None:
        answer = get(api, demo_auth, "/api/v1/portfolio/performance", range="1Y")
        return answer["twr"]  # type: ignore[no-any-return]

    open_page(browser, stack, "overview")
    browser.find_element(By.XPATH, "//button[@class='range' and text()='1Y']").click()
    wait(browser, lambda d: text_of(d, "#performance") == fraction(twr()), 30)
    wait(browser, lambda d: text_of(d, "#live-status") == "Live")
    browser.execute_script("window.__samePage = true;")
    before = twr()
    held = max(
        (h for h in portfolio(api, demo_auth)["holdings"] if h["currency"] == "USD"),
        key=lambda h: Decimal(h["value_base"] or 0),
    )

    value_before = todays_value(api, demo_auth)
    publish_price(api, stack, held["symbol"], Decimal(held["price"]) * 3)
    wait(browser, lambda d: twr() != before, 20)
    wait(browser, lambda d: text_of(d, "#performance") == fraction(twr()), 20)
    # today's point of the value chart follows too, without a reload
    assert todays_value(api, demo_auth) != value_before
    wait(browser, lambda d: value_at_the_end(d) == todays_value(api, demo_auth), 20)
    assert browser.execute_script("return window.__samePage === true;")


def test_the_transactions_page_filters_sorts_and_pages(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo_auth: dict[str, str]
) -> None:
    url = "/api/v1/transactions"

    def rows() -> list[str]:
        found = browser.find_elements(By.CSS_SELECTOR, "#transactions tbody tr[data-tx]")
        return [r.get_attribute("data-tx") or "" for r in found]

    def ids(**params: Any) -> list[str]:
        return [str(t["id"]) for t in get(api, demo_auth, url, limit=25, **params)["items"]]

    open_page(browser, stack, "transactions")
    wait(browser, lambda d: rows() == ids())
    everything = get(api, demo_auth, url, limit=25)
    pages = -(-everything["total"] // 25)
    label = f"Page 1 of {pages} · {everything['total']} transactions"
    assert text_of(browser, "#tx-pager-label") == label
    assert pages > 1
    first = everything["items"][0]
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-tx='{first['id']}']")
    assert row.find_element(By.CSS_SELECTOR, "[data-col=date]").text == medium_date(
        first["executed_at"][:10]
    )

    browser.find_element(By.CSS_SELECTOR, "#tx-pager .pager-next").click()
    wait(browser, lambda d: rows() == ids(offset=25))
    assert text_of(browser, "#tx-pager-label").startswith(f"Page 2 of {pages}")

    browser.find_element(By.CSS_SELECTOR, "#transactions th button[data-sort=amount]").click()
    wait(browser, lambda d: rows() == ids(sort="-amount"))
    biggest = get(api, demo_auth, url, limit=1, sort="-amount")["items"][0]
    cell = browser.find_element(By.CSS_SELECTOR, f"tr[data-tx='{biggest['id']}'] [data-col=amount]")
    assert cell.text == money(biggest["amount"], biggest["currency"])

    form = browser.find_element(By.ID, "tx-filters")
    Select(form.find_element(By.NAME, "type")).select_by_value("DIVIDEND")
    account = get(api, demo_auth, "/api/v1/accounts")[0]
    Select(form.find_element(By.NAME, "account_id")).select_by_value(str(account["id"]))
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    chosen = {"type": "DIVIDEND", "account_id": account["id"], "sort": "-amount"}
    wait(browser, lambda d: rows() == ids(**chosen))
    dividends = get(api, demo_auth, url, limit=25, **chosen)
    assert text_of(browser, "#tx-pager-label").endswith(f"· {dividends['total']} transactions")
    for item in dividends["items"]:
        line = browser.find_element(By.CSS_SELECTOR, f"tr[data-tx='{item['id']}']")
        assert line.find_element(By.CSS_SELECTOR, "[data-col=type]").text == "Dividend"
        assert line.find_element(By.CSS_SELECTOR, "[data-col=account]").text == account["name"]

    # dates the wrong way round: the API's reason stands next to the field it names
    for name, day in (("from", "03/01/2025"), ("to", "01/01/2025")):
        form.find_element(By.NAME, name).send_keys(day)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = shown(browser, "#tx-filters [data-field=to] .field-error")
    assert error.text == "must be after from"
    assert rows() == ids(**chosen)  # the list did not change

    form.find_element(By.CSS_SELECTOR, "button[type=reset]").click()
    wait(browser, lambda d: rows() == ids(sort="-amount"))
    browser.find_element(By.CSS_SELECTOR, "#transactions th button[data-sort=executed_at]").click()
    wait(browser, lambda d: rows() == ids())

    # a deposit made elsewhere shows up as the stream reports the change
    deposit = api.post(
        f"/api/v1/accounts/{account['id']}/transactions",
        json={"type": "DEPOSIT", "amount": "12.34", "executed_at": datetime.now(UTC).isoformat()},
        headers=demo_auth,
    )
    assert deposit.status_code == 201, deposit.text
    try:
        wait(browser, lambda d: rows()[:1] == [str(deposit.json()["id"])], 20)
        assert text_of(browser, f"tr[data-tx='{deposit.json()['id']}'] [data-col=amount]") == (
            money("12.34", deposit.json()["currency"])
        )
        settled_screenshot(browser, "transactions.png")
        assert on_phone(browser) <= 0
    finally:
        api.delete(f"/api/v1/transactions/{deposit.json()['id']}", headers=demo_auth)
    assert console_errors(browser) == []


def test_the_holding_page_shows_one_holding_live(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client, demo_auth: dict[str, str]
) -> None:
    held = max(
        (h for h in portfolio(api, demo_auth)["holdings"] if h["currency"] == "USD"),
        key=lambda h: len(
            get(api, demo_auth, "/api/v1/transactions", asset_id=h["asset_id"])["items"]
        ),
    )
    account, asset = held["account_id"], held["asset_id"]
    sold = (Decimal(held["quantity"]) / 10).quantize(Decimal("0.0001"))
    create_transaction(api, demo_auth, account, type="SELL", asset_id=asset, quantity=str(sold),
                       price=held["price"], fee="1.25",
                       executed_at=datetime.now(UTC).isoformat())  # fmt: skip
    open_page(browser, stack, "overview")
    link = shown(browser, f"#holdings tr[data-key='{account}:{asset}'] a.symbol")
    link.click()
    names = {a["id"]: a["name"] for a in get(api, demo_auth, "/api/v1/accounts")}
    wait(browser, lambda d: text_of(d, "main h1") == f"{held['symbol']} in {names[account]}")

    def holding_row() -> dict[str, Any]:
        return next(
            h
            for h in portfolio(api, demo_auth)["holdings"]
            if (h["account_id"], h["asset_id"]) == (account, asset)
        )

    left = quantity(str(Decimal(held["quantity"]) - sold))
    assert quantity(holding_row()["quantity"]) == left  # the API shows the sale at once

    # the page and this read may see a live price a moment apart: read until both show the
    # same value
    def agreeing(driver: WebDriver) -> dict[str, Any] | None:
        found = holding_row()
        shown_now = (text_of(driver, "#holding-value"), text_of(driver, "#holding-quantity"))
        wanted = (money(found["value_base"]), quantity(found["quantity"]))
        return found if shown_now == wanted else None

    row = wait(browser, agreeing)
    assert text_of(browser, "#holding-quantity") == quantity(row["quantity"]) == left
    assert text_of(browser, "#holding-cost") == money(row["cost_basis"])
    assert text_of(browser, "#holding-gain").startswith(money(row["unrealized_gain"], signed=True))

    base = f"/api/v1/accounts/{account}"
    perf = get(api, demo_auth, f"{base}/performance", range="1Y", asset_id=asset)
    wait(browser, lambda d: text_of(d, "#holding-twr") == fraction(perf["twr"]))
    assert text_of(browser, "#holding-xirr") == fraction(perf["xirr"])
    assert text_of(browser, "#holding-realized") == money(
        perf["gain"]["realized_gain_net"], signed=True
    )
    assert text_of(browser, "#holding-income") == money(perf["gain"]["income"], signed=True)
    gain = perf["gain"]
    assert text_of(browser, "#holding-gross") == money(gain["gain_gross"], signed=True)
    assert text_of(browser, "#holding-fees") == money(gain["fees"]["total"])
    assert text_of(browser, "#holding-total") == money(gain["gain_net"], signed=True)
    labels = [dt.text for dt in browser.find_elements(By.CSS_SELECTOR, "dl.figures dt")]
    assert {"Realized gain, net", "Total gain, gross", "Fees", "Total gain, net"} <= set(labels)

    lots = [lot for lot in get(api, demo_auth, f"{base}/lots")["lots"] if lot["asset_id"] == asset]
    txs = get(api, demo_auth, f"{base}/transactions", asset_id=asset, limit=500)["items"]
    trades = [t for t in txs if t["type"] != "DIVIDEND"]
    dividends = [t for t in txs if t["type"] == "DIVIDEND"]
    lot_rows = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#holding-lots tbody tr"))
    assert [r.get_attribute("data-lot") for r in lot_rows] == [str(lot["lot_id"]) for lot in lots]
    shown_trades = browser.find_elements(By.CSS_SELECTOR, "#holding-transactions tbody tr")
    assert [r.get_attribute("data-tx") for r in shown_trades] == [str(t["id"]) for t in trades]
    shown_dividends = browser.find_elements(By.CSS_SELECTOR, "#holding-dividends tbody tr")
    assert [r.get_attribute("data-tx") for r in shown_dividends] == [
        str(t["id"]) for t in dividends
    ]
    this_year = get(api, demo_auth, f"{base}/realized")["sales"]
    sales = [s for s in this_year if s["asset_id"] == asset]
    assert sales  # the sale booked above at least
    sale_rows = browser.find_elements(By.CSS_SELECTOR, "#holding-sales tbody tr")
    assert len(sale_rows) == len(sales)
    for sale, line in zip(sales, sale_rows, strict=True):
        cells = {
            col: line.find_element(By.CSS_SELECTOR, f"[data-col={col}]").text
            for col in ("fees", "gain-gross", "gain-net")
        }
        assert cells == {
            "fees": money(sale["fees"]),
            "gain-gross": money(sale["gain_gross"], signed=True),
            "gain-net": money(sale["gain_net"], signed=True),
        }
    for lot, line in zip(lots, lot_rows, strict=True):
        assert line.find_element(By.CSS_SELECTOR, "[data-col=quantity]").text == quantity(
            lot["quantity"]
        )

    prices = get(api, demo_auth, f"/api/v1/assets/{asset}/prices", start=perf["start"])
    chart = shown(browser, "#holding-price-chart > figure, #holding-price-chart > .chart-empty")
    assert chart.tag_name == ("figure" if len(prices["points"]) >= 2 else "div")
    shown(browser, "#holding-value-chart > figure", 30)
    settled_screenshot(browser, "holding.png")

    new_price = (Decimal(row["price"]) / 2 + Decimal("0.13")).quantize(Decimal("0.01"))
    publish_price(api, stack, held["symbol"], new_price)
    wait(browser, lambda d: text_of(d, "#holding-price").startswith(money(new_price)), 20)
    value = next(
        h["value_base"]
        for h in portfolio(api, demo_auth)["holdings"]
        if (h["account_id"], h["asset_id"]) == (account, asset)
    )
    wait(browser, lambda d: text_of(d, "#holding-value") == money(value), 10)
    assert on_phone(browser) <= 0
    assert console_errors(browser) == []


def test_admin_sees_each_sources_state_and_pages_of_prices(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, "admin@pulsefolio.dev", stack["demo_password"])
    shown(browser, "#nav-admin a").click()
    admin = login(api, "admin@pulsefolio.dev", stack["demo_password"])
    sources = get(api, admin, "/api/v1/market/sources")["sources"]
    words = {"healthy": "healthy", "failing": "failing", "never_succeeded": "never succeeded",
             "unused": "not asked yet"}  # fmt: skip
    shown(browser, "#admin-sources tbody tr")
    for source in sources:
        cell = f"#admin-sources tr[data-source='{source['name']}'] [data-col=state]"
        if source["state"] in words:
            assert text_of(browser, cell) == words[source["state"]], source
        if source["successes"] == 0 and source["failures"] > 0:
            assert text_of(browser, cell) != "healthy"
    assert any(s["state"] == "never_succeeded" for s in sources), sources

    listed = get(api, admin, "/api/v1/assets", limit=200)
    label = shown(browser, "#price-pager-label", 30)
    wait(
        browser, lambda d: label.text == f"Page 1 of {-(-len(listed) // 25)} · {len(listed)} prices"
    )
    first_page = [
        e.text for e in browser.find_elements(By.CSS_SELECTOR, "#admin-staleness tbody th")
    ]
    assert len(first_page) == min(25, len(listed))
    browser.find_element(By.CSS_SELECTOR, "#price-pager .pager-next").click()
    second = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#admin-staleness tbody th")]
    assert second and not set(second) & set(first_page)
    symbol = listed[0]["symbol"]
    browser.find_element(By.ID, "price-filter").send_keys(symbol)
    matching = [a for a in listed if symbol.lower() in (a["symbol"] + a["name"]).lower()]
    wait(browser, lambda d: text_of(d, "#price-pager-label").startswith("Page 1 of 1"))
    found = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#admin-staleness tbody th")]
    assert symbol in found and len(found) <= len(listed)
    assert all(any(symbol.lower() in s.lower() for s in (a["symbol"], a["name"])) for a in matching)
    assert console_errors(browser) == []


def test_a_new_user_is_told_what_comes_next(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    email, password = "first-steps@example.org", "a long enough password"
    registered = api.post(
        "/api/v1/auth/register",
        json={"email": email, "password": password, "base_currency": "USD"},
    )
    assert registered.status_code == 201, registered.text
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, email, password)
    shown(browser, "#nav")
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-route=accounts]").click()
    assert shown(browser, ".page-status .notice").text == "Create your first account."
    form = shown(browser, "form[aria-labelledby=new-account-h]")
    form.find_element(By.NAME, "name").send_keys("Broker")
    form.submit()
    shown(browser, "section.account")
    wait(browser, lambda d: text_of(d, ".page-status") == "")

    auth = login(api, email, password)
    account = get(api, auth, "/api/v1/accounts")[0]
    asset = get(api, auth, "/api/v1/assets", limit=1)[0]
    bought = api.post(
        f"/api/v1/accounts/{account['id']}/transactions",
        json={
            "type": "BUY",
            "asset_id": asset["id"],
            "quantity": "1",
            "price": "10",
            "executed_at": datetime.now(UTC).isoformat(),
        },
        headers=auth,
    )
    assert bought.status_code == 201, bought.text
    history = get(api, auth, "/api/v1/portfolio/history", range="1Y")
    assert len(history["points"]) < 2
    open_page(browser, stack, "overview")
    note = shown(browser, ".history-body .chart-empty", 30)
    assert "starts once prices have been recorded on two days" in note.text
    performance = get(api, auth, "/api/v1/portfolio/performance", range="1Y")
    assert performance["xirr"] is None
    xirr = shown(browser, "#performance-sub #xirr")
    assert xirr.text == "XIRR —"
    assert xirr.get_attribute("title").startswith("No money-weighted return")
    assert "(" not in text_of(browser, "#performance-sub"), "the solver's words are not shown"
    assert console_errors(browser) == []


def test_settings_change_the_base_currency_the_password_tokens_and_sign_out_everywhere(
    browser: WebDriver, stack: dict[str, Any], api: httpx.Client
) -> None:
    email, password, new_password = "settings@example.org", "a long enough password", "n" * 12
    who = {"email": email, "password": password, "base_currency": "EUR"}
    registered = api.post("/api/v1/auth/register", json=who)
    assert registered.status_code == 201, registered.text
    auth = login(api, email, password)  # each sign-in and password try counts: five a minute
    account = api.post("/api/v1/accounts", json={"name": "US", "currency": "USD"}, headers=auth)
    asset = next(a for a in get(api, auth, "/api/v1/assets", limit=50) if a["currency"] == "USD")
    now = datetime.now(UTC).isoformat()
    create_transaction(api, auth, account.json()["id"], type="BUY", asset_id=asset["id"],
                       quantity="2", price="10", executed_at=now)  # fmt: skip
    open_page(browser, stack, "overview")
    browser.find_element(By.ID, "sign-out").click()
    sign_in(browser, email, password)
    shown(browser, "#user-email").click()  # the e-mail in the top bar leads to the settings
    assert shown(browser, "#settings-email").text == email
    currency = shown(browser, "#settings-currency")
    assert currency.get_attribute("value") == "EUR"

    currency.clear()
    currency.send_keys("usd")
    currency.submit()
    wait(browser, lambda d: "valued in USD" in text_now(d, "form[aria-labelledby=profile-h]"))
    assert get(api, auth, "/api/v1/me")["base_currency"] == "USD"
    mine = portfolio(api, auth)
    assert mine["base_currency"] == "USD"
    browser.find_element(By.CSS_SELECTOR, "#nav a[data-route=overview]").click()
    wait(
        browser, lambda d: text_of(d, "#total-value") == money(portfolio(api, auth)["total_value"])
    )

    browser.find_element(By.ID, "user-email").click()
    form = shown(browser, "form[aria-labelledby=password-h]")
    form.find_element(By.NAME, "current_password").send_keys(password)
    form.find_element(By.NAME, "new_password").send_keys(new_password)
    form.find_element(By.NAME, "new_password_again").send_keys(new_password + "x")
    form.submit()
    assert "does not match" in shown(browser, "[data-field=new_password_again] .field-error").text
    form.find_element(By.NAME, "current_password").clear()
    form.find_element(By.NAME, "current_password").send_keys("not my password")
    form.find_element(By.NAME, "new_password_again").clear()
    form.find_element(By.NAME, "new_password_again").send_keys(new_password)
    form.submit()
    assert (
        "is not your password" in shown(browser, "[data-field=current_password] .field-error").text
    )
    form.find_element(By.NAME, "current_password").clear()
    form.find_element(By.NAME, "current_password").send_keys(password)
    form.submit()
    wait(browser, lambda d: "Password changed" in text_now(d, "form[aria-labelledby=password-h]"))
    # the sign-in made before the change has ended; this tab goes on, also after a reload
    # (its refresh token is the new one)
    assert api.get("/api/v1/me", headers=auth).status_code == 401
    browser.refresh()
    assert shown(browser, "#signin-email, #nav:not([hidden])").get_attribute("id") == "nav"
    auth = login(api, email, new_password)

    form = shown(browser, "form[aria-label='New API token']")
    form.find_element(By.NAME, "name").send_keys("nightly export")
    form.find_element(By.NAME, "expires_in_days").send_keys("30")
    form.submit()
    token = shown(browser, "#new-token").text
    assert token.startswith("pf_")
    scripted = {"Authorization": f"Bearer {token}"}
    assert get(api, scripted, "/api/v1/me")["email"] == email
    (listed,) = get(api, auth, "/api/v1/tokens")
    row = f"#tokens tr[data-token='{listed['id']}']"
    state = text_of(browser, f"{row} .token-state")
    assert state == f"expires {medium_date(listed['expires_at'][:10])}"
    settled_screenshot(browser, "settings.png")
    browser.find_element(By.CSS_SELECTOR, f"{row} button").click()
    wait(browser, lambda d: text_of(d, f"{row} .token-state").startswith("revoked"))
    assert api.get("/api/v1/me", headers=scripted).status_code == 401
    assert console_errors(browser) == []
    # signing out everywhere asks once more, then ends this sign-in and the API's alike
    browser.find_element(By.ID, "end-sessions").click()
    shown(browser, "#end-sessions-yes").click()
    wait(browser, lambda d: "signed out everywhere" in text_now(d, "main"))
    assert shown(browser, "#signin-email").is_displayed()
    assert api.get("/api/v1/me", headers=auth).status_code == 401
    browser.refresh()
    assert shown(browser, "#signin-email, #nav:not([hidden])").get_attribute("id") == "signin-email"
