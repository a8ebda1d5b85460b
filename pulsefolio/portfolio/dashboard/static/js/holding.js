// One holding (an asset in an account): position, returns, value and price history, lots,
// transactions, dividends and this year's sales. The position follows the live stream, and
// its returns are fetched again after each update.

import { describe } from "./accounts.js";
import * as api from "./api.js";
import { historyChart } from "./charts.js";
import { flash, h, notice, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { keyOf } from "./holdings.js";
import { onLive } from "./pagelive.js";

const RANGES = ["YTD", "1Y", "3Y", "MAX"];
const INTERVAL = { "3Y": "week", MAX: "week" };
const RELOAD_DELAY = 1000;
const NO_HISTORY = "The history starts once prices have been recorded on two days.";

function figure(id, label) {
  const value = h("dd", { id }, "…");
  return { element: h("div", {}, h("dt", {}, label), value), value };
}

function setText(node, text, highlight) {
  if (node.textContent === text) return;
  node.textContent = text;
  if (highlight) flash(node);
}

export function table(id, caption, headings, rows, empty) {
  if (!rows.length) return h("p", { class: "muted", id }, empty);
  return h("div", { class: "table-scroll" }, h("table", { id },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headings.map(([t, numeric]) =>
      h("th", { scope: "col", class: numeric ? "num" : null }, t)))),
    h("tbody", {}, rows)));
}

export const td = (col, text, numeric) => h("td", { class: numeric ? "num" : null, dataset: { col } }, text);

class HoldingPage {
  constructor(accountId, assetId) {
    this.accountId = accountId;
    this.assetId = assetId;
    this.key = `${accountId}:${assetId}`;
    this.range = "1Y";
    this.base = "USD";
    this.row = null;
    this.status = h("div", { class: "page-status" });
    this.position = ["quantity", "price", "value", "weight", "day", "gain", "cost"].map((k) =>
      figure(`holding-${k}`, { quantity: "Quantity", price: "Price", value: "Value",
        weight: "Weight", day: "Day change", gain: "Unrealized gain", cost: "Cost basis" }[k]));
    this.returns = ["twr", "xirr", "realized", "income", "gross", "fees", "total"].map((k) =>
      figure(`holding-${k}`, { twr: "Time-weighted return", xirr: "Money-weighted (XIRR)",
        realized: "Realized gain, net", income: "Dividends and interest",
        gross: "Total gain, gross", fees: "Fees", total: "Total gain, net" }[k]));
    this.rangeButtons = RANGES.map((r) => h("button", { type: "button", class: "range",
      "aria-pressed": String(r === this.range), onclick: () => this.selectRange(r) }, r));
    this.valueChart = h("div", { class: "history-body", id: "holding-value-chart" });
    this.priceChart = h("div", { class: "history-body", id: "holding-price-chart" });
    this.lots = h("div", {}, h("p", { class: "muted" }, "Loading…"));
    this.trades = h("div", {}, h("p", { class: "muted" }, "Loading…"));
    this.dividends = h("div", {});
    this.sales = h("div", {});
  }

  mount() {
    const section = (id, title, ...content) => h("section", { class: "card",
      "aria-labelledby": id }, h("h2", { id }, title), ...content);
    this.heading = showPage("Holding", this.status,
      section("holding-position-h", "Position", h("dl", { class: "figures" },
        this.position.map((f) => f.element))),
      h("section", { class: "card", "aria-labelledby": "holding-returns-h" },
        h("div", { class: "section-head" }, h("h2", { id: "holding-returns-h" }, "Returns"),
          h("div", { class: "ranges", role: "group", "aria-label": "Period" }, this.rangeButtons)),
        h("dl", { class: "figures" }, this.returns.map((f) => f.element))),
      h("div", { class: "two-col" },
        section("holding-value-h", "Value over time", this.valueChart),
        section("holding-price-h", "Price", this.priceChart)),
      section("holding-lots-h", "Open lots", this.lots),
      section("holding-tx-h", "Transactions", this.trades),
      section("holding-div-h", "Dividends", this.dividends),
      section("holding-sales-h", "Sales this year", this.sales));
    window.scrollTo(0, 0); // opened from a row far down the overview
    onLive((message) => this.live(message));
  }

  async load() {
    const account = `/api/v1/accounts/${this.accountId}`;
    const [portfolio, asset, accountRow] = await Promise.allSettled([api.get("/api/v1/portfolio"),
      api.get(`/api/v1/assets/${this.assetId}`), api.get(account)]);
    if (accountRow.status === "rejected" || asset.status === "rejected") {
      const error = accountRow.reason || asset.reason;
      this.status.replaceChildren(notice("error", error.status === 404
        ? "There is no such holding in your accounts." : `The holding could not be loaded: ${error.message}`));
      return;
    }
    this.asset = asset.value;
    this.account = accountRow.value;
    const title = `${this.asset.symbol} in ${this.account.name}`;
    this.heading.textContent = title;
    document.title = `${title} · Pulsefolio`;
    if (portfolio.status === "fulfilled") this.showPortfolio(portfolio.value, false);
    this.loadRange();
    this.loadLedger();
  }

  showPortfolio(portfolio, highlight) {
    this.base = portfolio.base_currency;
    const row = portfolio.holdings.find((r) => keyOf(r) === this.key);
    this.showRow(row || null, highlight);
  }

  showRow(row, highlight) {
    this.row = row;
    const [quantity, price, value, weight, day, gain, cost] = this.position.map((f) => f.value);
    if (!row) {
      this.status.replaceChildren(notice("info", "This asset is no longer held in this account."));
      for (const f of this.position) setText(f.value, "—", false);
      return;
    }
    const base = this.base;
    setText(quantity, fmt.quantity(row.quantity), highlight);
    setText(price, `${fmt.unitPrice(row.price, row.currency)}${row.price_as_of
      ? ` · ${fmt.age(row.price_as_of)}` : ""}`, highlight);
    setText(value, fmt.money(row.value_base, base), highlight);
    setText(weight, fmt.percent(row.weight_percent, false), highlight);
    setText(day, row.day_change === null ? "—"
      : `${fmt.money(row.day_change, base, true)} (${fmt.percent(row.day_change_percent)})`, highlight);
    day.dataset.trend = fmt.trend(row.day_change);
    setText(gain, row.unrealized_gain === null ? "—"
      : `${fmt.money(row.unrealized_gain, base, true)} (${fmt.percent(row.unrealized_gain_percent)})`,
    highlight);
    gain.dataset.trend = fmt.trend(row.unrealized_gain);
    setText(cost, fmt.money(row.cost_basis, row.currency), highlight);
  }

  live(message) {
    if (message.type === "snapshot") {
      this.showPortfolio(message, this.row !== null);
      return;
    }
    if (message.type !== "portfolio") return;
    const row = (message.holdings || []).find((r) => keyOf(r) === this.key);
    if (row) this.showRow(row, true);
    clearTimeout(this.reloading);
    this.reloading = setTimeout(() => this.loadReturns(true), RELOAD_DELAY);
  }

  selectRange(range) {
    this.range = range;
    for (const b of this.rangeButtons) b.setAttribute("aria-pressed", String(b.textContent === range));
    this.loadRange();
  }

  loadRange() {
    this.loadReturns(false);
    this.loadCharts();
  }

  async loadReturns(highlight) {
    const range = this.range;
    let p;
    try {
      p = await api.get(`/api/v1/accounts/${this.accountId}/performance?range=${range}`
        + `&asset_id=${this.assetId}`);
    } catch (error) {
      for (const f of this.returns) setText(f.value, "—", false);
      this.returns[0].value.title = `Returns could not be loaded: ${error.message}`;
      return;
    }
    if (range !== this.range) return;
    const [twr, xirr, realized, income, gross, fees, total] = this.returns.map((f) => f.value);
    setText(twr, fmt.fraction(p.twr), highlight);
    twr.dataset.trend = fmt.trend(p.twr);
    setText(xirr, fmt.fraction(p.xirr), highlight);
    xirr.title = p.xirr === null ? "No single yearly rate explains this holding's flows and value "
      + "in this period." : "";
    setText(realized, fmt.money(p.gain.realized_gain_net, p.base_currency, true), highlight);
    setText(income, fmt.money(p.gain.income, p.base_currency, true), highlight);
    setText(gross, fmt.money(p.gain.gain_gross, p.base_currency, true), highlight);
    const paid = p.gain.fees;
    setText(fees, fmt.money(paid.total, p.base_currency), highlight);
    fees.title = `purchase ${fmt.money(paid.purchase, p.base_currency)} · sale `
      + `${fmt.money(paid.sale, p.base_currency)} · withholding `
      + `${fmt.money(paid.withholding, p.base_currency)} · other ${fmt.money(paid.other, p.base_currency)}`;
    setText(total, fmt.money(p.gain.gain_net, p.base_currency, true), highlight);
    total.dataset.trend = fmt.trend(p.gain.gain_net);
  }

  async loadCharts() {
    const range = this.range;
    const interval = INTERVAL[range] || "day";
    this.valueChart.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    this.priceChart.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const [history] = await Promise.allSettled([api.get(`/api/v1/accounts/${this.accountId}`
      + `/history?range=${range}&interval=${interval}&asset_id=${this.assetId}`)]);
    if (range !== this.range) return;
    if (history.status === "rejected") {
      this.valueChart.replaceChildren(notice("error", `Value history could not be loaded: ${history.reason.message}`));
      return;
    }
    const base = history.value.base_currency;
    this.valueChart.replaceChildren(historyChart(`Value in ${base}, ${range}`, history.value.points,
      (v) => fmt.money(v, base), (d) => fmt.date(d), (v) => fmt.axisMoney(v, base), NO_HISTORY));
    const { start, end } = history.value;
    try {
      const prices = await api.get(`/api/v1/assets/${this.assetId}/prices?start=${start}&end=${end}`);
      if (range !== this.range) return;
      const points = prices.points.map((p) => ({ date: p.date, value: p.price }));
      const cur = prices.currency;
      this.priceChart.replaceChildren(historyChart(`${prices.symbol} in ${cur}, ${range}`, points,
        (v) => fmt.unitPrice(v, cur), (d) => fmt.date(d), (v) => fmt.axisMoney(v, cur), NO_HISTORY));
    } catch (error) {
      this.priceChart.replaceChildren(notice("error", `Prices could not be loaded: ${error.message}`));
    }
  }

  async loadLedger() {
    const base = `/api/v1/accounts/${this.accountId}`;
    const [lots, txs, realized] = await Promise.allSettled([api.get(`${base}/lots`),
      api.get(`${base}/transactions?asset_id=${this.assetId}&limit=500`), api.get(`${base}/realized`)]);
    const failed = (what, result) => notice("error", `${what} could not be loaded: ${result.reason.message}`);
    this.lots.replaceChildren(lots.status === "rejected" ? failed("Lots", lots)
      : this.lotsTable(lots.value.lots.filter((l) => l.asset_id === this.assetId), lots.value.base_currency));
    if (txs.status === "rejected") {
      this.trades.replaceChildren(failed("Transactions", txs));
    } else {
      const items = txs.value.items;
      this.trades.replaceChildren(this.txTable(items.filter((t) => t.type !== "DIVIDEND")));
      this.dividends.replaceChildren(this.dividendTable(items.filter((t) => t.type === "DIVIDEND")));
    }
    this.sales.replaceChildren(realized.status === "rejected" ? failed("Sales", realized)
      : this.salesTable(realized.value.sales.filter((s) => s.asset_id === this.assetId),
        realized.value.base_currency));
  }

  lotsTable(lots, base) {
    return table("holding-lots", "Open lots, oldest first", [["Opened"], ["Quantity", true],
      ["Cost per unit", true], ["Cost", true], ["Value", true], ["Unrealized gain", true]],
    lots.map((l) => h("tr", { dataset: { lot: l.lot_id } }, td("opened", fmt.date(l.opened)),
      td("quantity", fmt.quantity(l.quantity), true),
      td("unit-cost", fmt.unitPrice(l.cost_per_unit, l.currency), true),
      td("cost", fmt.money(l.cost, l.currency), true), td("value", fmt.money(l.value, l.currency), true),
      td("gain", fmt.money(l.unrealized_gain_base, base, true), true))), "No open lots.");
  }

  txTable(items) {
    const symbolOf = () => this.asset.symbol;
    return table("holding-transactions", "Transactions, newest first", [["Date"], ["Type"],
      ["Details", true], ["Fee", true]], items.map((tx) => {
      const d = describe(tx, symbolOf, this.account);
      return h("tr", { dataset: { tx: tx.id } }, td("date", fmt.date(tx.executed_at)),
        td("type", fmt.label(tx.type.toLowerCase())), td("detail", d.detail, true),
        td("fee", d.fee, true));
    }), "No transactions.");
  }

  dividendTable(items) {
    return table("holding-dividends", "Dividends, newest first", [["Date"], ["Amount", true],
      ["Withheld", true]], items.map((tx) => h("tr", { dataset: { tx: tx.id } },
      td("date", fmt.date(tx.executed_at)), td("amount", fmt.money(tx.amount, tx.currency), true),
      td("fee", fmt.money(tx.fee, tx.currency), true))), "No dividends.");
  }

  salesTable(sales, base) {
    return table("holding-sales", "Sales this year", [["Sold"], ["Opened"], ["Quantity", true],
      ["Proceeds", true], ["Cost", true], ["Fees", true], ["Gain, gross", true], ["Gain, net", true]],
    sales.map((s) => h("tr", {},
      td("date", fmt.date(s.date)), td("opened", fmt.date(s.opened)),
      td("quantity", fmt.quantity(s.quantity), true), td("proceeds", fmt.money(s.proceeds, s.currency), true),
      td("cost", fmt.money(s.cost, s.currency), true), td("fees", fmt.money(s.fees, s.currency), true),
      td("gain-gross", fmt.money(s.gain_gross, s.currency, true), true),
      td("gain-net", fmt.money(s.gain_net, s.currency, true), true))),
    "No sales this year.");
  }
}

/** The page of the hash "#/holding?account=1&asset=2". */
export function holdingPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const accountId = Number(params.get("account"));
  const assetId = Number(params.get("asset"));
  if (!Number.isInteger(accountId) || !Number.isInteger(assetId) || !accountId || !assetId) {
    showPage("Holding", notice("error", "Open a holding from the holdings table."));
    return null;
  }
  const page = new HoldingPage(accountId, assetId);
  page.mount();
  page.load();
  return page;
}
