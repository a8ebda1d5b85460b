// Income: dividends and interest in the base currency; net income per month as bars, a table
// per year and one per holding. Loaded again when the live stream reports a change.

import { loadAccounts } from "./accounts.js";
import * as api from "./api.js";
import { barChart } from "./bars.js";
import { field, h, notice, option, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { table, td } from "./holding.js";
import { onLive } from "./pagelive.js";
import { download } from "./taxlots.js";

const RELOAD_DELAY = 1000;
const PERIODS = [["all", "All time"], ["12m", "Last 12 months"], ["ytd", "This year"],
  ["last", "Last year"]];
const monthName = new Intl.DateTimeFormat(navigator.language || "en-US",
  { month: "short", year: "numeric", timeZone: "UTC" });

/** "2025-03" as "Mar 2025". */
function month(key) {
  return monthName.format(new Date(`${key}-01T00:00:00Z`));
}

/** The report's query for a period: `from` and `to` as UTC days, both included. */
function period(key, now = new Date()) {
  const year = now.getUTCFullYear();
  if (key === "12m") {
    return { from: new Date(Date.UTC(year, now.getUTCMonth() - 11, 1)).toISOString().slice(0, 10) };
  }
  if (key === "ytd") return { from: `${year}-01-01` };
  if (key === "last") return { from: `${year - 1}-01-01`, to: `${year - 1}-12-31` };
  return {};
}

function figure(id, label) {
  const value = h("dd", { id }, "…");
  return { element: h("div", {}, h("dt", {}, label), value), value };
}

const AMOUNTS = [["Payments", true], ["Gross", true], ["Withheld", true], ["Net", true]];

function amountCells(row, base) {
  return [td("payments", fmt.number(row.payments), true),
    ...["gross", "withholding", "net"].map((key) => td(key, fmt.money(row[key], base), true))];
}

class IncomePage {
  constructor(accounts) {
    this.seq = 0;
    this.status = h("div", { class: "page-status" });
    this.period = h("select", { id: "income-period", name: "period" },
      PERIODS.map(([key, label], i) => option(key, label, i === 0)));
    this.account = h("select", { id: "income-account", name: "account_id" },
      option("", "All accounts"), accounts.map((a) => option(String(a.id), a.name)));
    for (const select of [this.period, this.account]) {
      select.addEventListener("change", () => this.load());
    }
    this.totals = ["gross", "withholding", "net", "payments"].map((k) => figure(`income-${k}`,
      { gross: "Gross income", withholding: "Withheld", net: "Net income", payments: "Payments" }[k]));
    this.chart = h("div", { class: "history-body", id: "income-chart" });
    this.years = h("div", {});
    this.holdings = h("div", {});
  }

  mount() {
    const section = (id, title, ...content) => h("section", { class: "card",
      "aria-labelledby": id }, h("h2", { id }, title), ...content);
    const csv = h("a", { href: "#", id: "income-csv", onclick: (event) => {
      event.preventDefault();
      download(`/api/v1/reports/income?${this.query()}&format=csv`, "income.csv", this.status);
    } }, "Download CSV");
    showPage("Income", this.status,
      h("div", { class: "card filters inline-form" }, field("Period", this.period),
        field("Account", this.account), csv),
      section("income-totals-h", "Dividends and interest", h("dl", { class: "figures" },
        this.totals.map((f) => f.element))),
      section("income-chart-h", "Per month", this.chart),
      section("income-holdings-h", "Per holding", this.holdings),
      section("income-years-h", "Per year", this.years));
    onLive((message) => { // a snapshot comes on each (re)connect, after what it may have missed
      if (message.type !== "portfolio" && message.type !== "snapshot") return;
      clearTimeout(this.reloading);
      this.reloading = setTimeout(() => this.load(), RELOAD_DELAY);
    });
  }

  /** The report's query for the chosen period and account. */
  query() {
    const query = new URLSearchParams(period(this.period.value));
    if (this.account.value) query.set("account_id", this.account.value);
    return query;
  }

  async load() {
    const seq = ++this.seq;
    let report;
    try {
      report = await api.get(`/api/v1/reports/income?${this.query()}`);
    } catch (error) {
      if (seq === this.seq) {
        this.status.replaceChildren(notice("error", `Income could not be loaded: ${error.message}`));
      }
      return;
    }
    if (seq !== this.seq) return;
    this.status.replaceChildren();
    const shown = JSON.stringify(report); // unchanged: keep the page (and a reader's tooltip)
    if (shown === this.shown) return;
    this.shown = shown;
    this.show(report);
  }

  show(report) {
    const base = report.base_currency;
    const t = report.totals;
    const [gross, withholding, net, payments] = this.totals.map((f) => f.value);
    gross.textContent = fmt.money(t.gross, base);
    withholding.textContent = fmt.money(t.withholding, base);
    net.textContent = fmt.money(t.net, base);
    payments.textContent = fmt.number(t.payments);
    net.dataset.amount = t.net;
    this.chart.replaceChildren(report.months.length
      ? barChart(`Net income in ${base}`, report.months.map((m) => ({ label: month(m.month),
        value: m.net })), (v) => fmt.money(v, base), (v) => fmt.axisMoney(v, base))
      : h("p", { class: "chart-empty muted" }, "No dividends or interest in this period."));
    this.years.replaceChildren(table("income-years", "Income per year", [["Year"], ...AMOUNTS],
      report.years.map((y) => h("tr", { dataset: { year: String(y.year) } },
        td("year", String(y.year)), ...amountCells(y, base))), "No income in this period."));
    const rows = report.holdings.map((x) => h("tr", { dataset: { asset: String(x.asset_id) } },
      h("th", { scope: "row", dataset: { col: "symbol" } }, x.symbol), td("name", x.name),
      ...amountCells(x, base), td("trailing", fmt.money(x.trailing_12m_net, base), true),
      td("yield", x.yield_on_cost === null ? "—" : fmt.fraction(x.yield_on_cost).replace(/^\+/, ""),
        true)));
    if (report.interest.payments) {
      rows.push(h("tr", { dataset: { asset: "interest" } },
        h("th", { scope: "row", dataset: { col: "symbol" } }, "Interest"), td("name", "On cash balances"),
        ...amountCells(report.interest, base), td("trailing", "—", true), td("yield", "—", true)));
    }
    this.holdings.replaceChildren(table("income-holdings", "Income per holding, largest first",
      [["Asset"], ["Name"], ...AMOUNTS, ["Last 12 months (net)", true], ["Yield on cost", true]], rows,
      "No income in this period."));
  }
}

export async function incomePage() {
  const accounts = await loadAccounts().catch(() => []);
  const page = new IncomePage(accounts);
  page.mount();
  await page.load();
  return page;
}
