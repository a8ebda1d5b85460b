// The overview: totals, cash, holdings, allocations and value over time, kept live by the
// stream. The total includes cash (holdings_value + cash_value), as the value history does.

import * as api from "./api.js";
import { donut, historyChart } from "./charts.js";
import { flash, h, notice, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { HoldingsTable, keyOf } from "./holdings.js";

const RANGES = ["1D", "WTD", "MTD", "YTD", "1Y", "3Y", "5Y", "MAX"];
const INTERVAL = { "3Y": "week", "5Y": "week", MAX: "month" };
const REFETCH_DELAY = 1000;
const HISTORY_STARTS = "The value history starts once prices have been recorded on two days.";

let view = null; // the mounted overview, if any

/** A stat card: its title, a big figure and a line under it. */
export function card(id, title) {
  const value = h("p", { class: "figure", id });
  const sub = h("p", { class: "sub", id: `${id}-sub` });
  return { element: h("section", { class: "card stat", "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title), value, sub), value, sub };
}

/** Show `text` in `node`, briefly highlighted when it changed and `highlight` is set. */
export function setText(node, text, highlight) {
  if (node.textContent === text) return;
  node.textContent = text;
  if (highlight) flash(node);
}

/** A reader's explanation of why there is no money-weighted return. */
function xirrReason(note) {
  if (note === "no transactions") return "No money-weighted return yet: there are no transactions.";
  if (note === "the range holds no value and no flows") {
    return "No money-weighted return: nothing was held or moved in this period.";
  }
  return "No money-weighted return: no single yearly rate explains this period's deposits, "
    + "withdrawals and value.";
}

class Overview {
  constructor() {
    this.portfolio = null;
    this.range = "1Y";
    this.total = card("total-value", "Total value");
    this.cash = card("cash-value", "Cash");
    this.cashBody = h("tbody", {});
    this.cashSection = h("section", { class: "card", id: "cash", "aria-labelledby": "cash-caption",
      hidden: "" }, h("div", { class: "table-scroll", tabindex: "0", role: "region",
      "aria-labelledby": "cash-caption" }, h("table", { class: "cash", id: "cash-balances" },
      h("caption", { id: "cash-caption" }, "Cash"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Account"),
        h("th", { scope: "col" }, "Currency"), h("th", { scope: "col", class: "num" }, "Amount"),
        h("th", { scope: "col", class: "num" }, "Value"),
        h("th", { scope: "col", class: "num" }, "Weight"))), this.cashBody)));
    this.day = card("day-change", "Day change");
    this.gain = card("unrealized-gain", "Unrealized gain");
    this.perf = card("performance", "Return");
    this.perf.value.textContent = "…";
    this.updated = h("p", { class: "last-updated", id: "last-updated" }, "Loading…");
    this.status = h("div", { class: "page-status" });
    this.allocation = h("div", { class: "allocations" });
    this.history = h("div", { class: "history-body" });
    this.rangeButtons = RANGES.map((r) => h("button", { type: "button", class: "range",
      "aria-pressed": String(r === this.range), onclick: () => this.selectRange(r) }, r));
    this.table = new HoldingsTable({ base: "USD", accountName: (id) => this.accountName(id) });
    this.ticker = setInterval(() => this.table.tick(), 30000);
  }

  mount() {
    showPage("Overview", this.status, this.updated,
      h("div", { class: "stats" }, this.total.element, this.cash.element, this.day.element,
        this.gain.element, this.perf.element),
      h("section", { class: "card", "aria-labelledby": "history-h" },
        h("div", { class: "section-head" }, h("h2", { id: "history-h" }, "Value over time"),
          h("div", { class: "ranges", role: "group", "aria-label": "Period" }, this.rangeButtons)),
        this.history),
      h("section", { class: "card", "aria-labelledby": "alloc-h" },
        h("h2", { id: "alloc-h" }, "Allocation"), this.allocation),
      h("section", { class: "card", "aria-labelledby": "holdings-caption" }, this.table.element),
      this.cashSection);
  }

  accountName(id) {
    const slice = this.portfolio?.allocation?.account?.find((a) => String(a.key) === String(id));
    return slice?.name || `Account ${id}`;
  }

  async load() {
    try {
      this.show(await api.get("/api/v1/portfolio"), false);
    } catch (error) {
      this.status.replaceChildren(notice("error", `The portfolio could not be loaded: ${error.message}`));
    }
    this.loadHistory();
  }

  /** Render a whole portfolio answer (from GET or the stream's snapshot). */
  show(portfolio, highlight) {
    this.portfolio = portfolio;
    const base = portfolio.base_currency;
    this.table.ctx.base = base;
    setText(this.total.value, fmt.money(portfolio.total_value, base), highlight);
    setText(this.total.sub, `${portfolio.holdings.length} holdings and cash in ${base}`, false);
    this.showCash(portfolio, highlight);
    this.showChange(this.day, portfolio.day_change, base, highlight);
    this.showChange(this.gain, portfolio.unrealized_gain, base, highlight);
    if (portfolio.cost_basis) {
      setText(this.gain.sub, `${this.gain.sub.textContent.split(" · ")[0]} · cost `
        + `${fmt.money(portfolio.cost_basis, base)}`, false);
    }
    this.table.update(portfolio.holdings, highlight);
    this.showAllocation(portfolio);
    this.stamp(portfolio.as_of);
    this.status.replaceChildren(...(portfolio.holdings.length ? [] : [notice("info",
      "No holdings yet. Record a purchase under Accounts, or import a CSV file.")]));
  }

  /** The Cash card (total in the base currency) and one table row per account and currency. */
  showCash(portfolio, highlight) {
    const base = portfolio.base_currency;
    const balances = portfolio.cash || [];
    setText(this.cash.value, fmt.money(portfolio.cash_value ?? "0", base), highlight);
    setText(this.cash.sub, portfolio.holdings_value === undefined ? ""
      : `holdings ${fmt.money(portfolio.holdings_value, base)}`, false);
    this.cashSection.hidden = !balances.length;
    this.cashBody.replaceChildren(...balances.map((c) => h("tr",
      { "data-key": `${c.account_id}:${c.currency}` },
      h("td", {}, this.accountName(c.account_id)), h("td", {}, c.currency),
      h("td", { class: "num", "data-col": "amount" }, fmt.money(c.amount, c.currency)),
      h("td", { class: "num", "data-col": "value" },
        c.amount_base === null ? "—" : fmt.money(c.amount_base, base)),
      h("td", { class: "num", "data-col": "weight" }, fmt.percent(c.weight_percent, false)))));
  }

  showChange(target, change, base, highlight) {
    setText(target.value, fmt.money(change?.amount, base, true), highlight);
    target.value.dataset.trend = fmt.trend(change?.amount);
    setText(target.sub, fmt.percent(change?.percent), false);
  }

  stamp(asOf) {
    const prices = asOf ? ` · prices as of ${fmt.dateTime(asOf)}` : "";
    this.updated.textContent = `Last updated ${fmt.time()}${prices}`;
  }

  showAllocation(portfolio) {
    const base = portfolio.base_currency;
    const charts = [["By asset class", "asset_class", (s) => fmt.label(s.key)],
      ["By currency", "currency", (s) => s.key],
      ["By account", "account", (s) => s.name || `Account ${s.key}`]];
    this.allocation.replaceChildren(...charts.map(([title, key, name]) => {
      const slices = portfolio.allocation?.[key] || [];
      if (!slices.length) return h("p", { class: "muted" }, `${title}: nothing to show.`);
      return donut(title, slices.map((s) => ({ label: name(s), value: fmt.money(s.value, base),
        share: fmt.percent(s.weight_percent, false), weight: s.weight_percent })));
    }));
  }

  /** Apply a stream message: a snapshot replaces everything, an update merges its rows. */
  live(message) {
    if (message.type === "snapshot") {
      const { type, ...portfolio } = message;
      this.show(portfolio, this.portfolio !== null);
      // prices may have moved while the stream was away: today's value point with them
      clearTimeout(this.refetch);
      this.refetch = setTimeout(() => this.loadHistory({ quiet: true }), REFETCH_DELAY);
      return;
    }
    if (message.type !== "portfolio" || !this.portfolio) return;
    const changed = new Map((message.holdings || []).map((row) => [keyOf(row), row]));
    const merged = this.portfolio.holdings.map((row) => changed.get(keyOf(row)) || row);
    const known = new Set(merged.map(keyOf));
    for (const [key, row] of changed) if (!known.has(key)) merged.push(row);
    this.show({ ...this.portfolio, total_value: message.total_value,
      cash_value: message.cash_value ?? this.portfolio.cash_value,
      holdings_value: message.holdings_value ?? this.portfolio.holdings_value,
      cash: message.cash ?? this.portfolio.cash,
      day_change: message.day_change ?? this.portfolio.day_change,
      as_of: message.as_of ?? this.portfolio.as_of, holdings: merged }, true);
    // Gains, allocations, closed positions and today's value point are not in the update:
    // fetch them shortly.
    clearTimeout(this.refetch);
    this.refetch = setTimeout(() => this.reload(), REFETCH_DELAY);
  }

  async reload() {
    try {
      this.show(await api.get("/api/v1/portfolio"), true);
    } catch {
      // the next update tries again
    }
    this.loadHistory({ quiet: true });
  }

  selectRange(range) {
    this.range = range;
    for (const b of this.rangeButtons) b.setAttribute("aria-pressed", String(b.textContent === range));
    this.loadHistory();
  }

  /** The value chart and the returns; ``quiet`` (after a live update) keeps what is shown
   * until the new answers arrive, and keeps it if they fail. */
  async loadHistory({ quiet = false } = {}) {
    const range = this.range;
    const interval = INTERVAL[range] || "day";
    if (!quiet) this.history.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    const [history, performance] = await Promise.allSettled([
      api.get(`/api/v1/portfolio/history?range=${range}&interval=${interval}`),
      api.get(`/api/v1/portfolio/performance?range=${range}`)]);
    if (range !== this.range) return;
    if (!quiet || history.status === "fulfilled") this.showHistory(history);
    if (!quiet || performance.status === "fulfilled") this.showPerformance(performance, quiet);
  }

  showHistory(result) {
    if (result.status === "rejected") {
      const missing = result.reason.missing;
      this.history.replaceChildren(notice(missing ? "warn" : "error", missing
        ? "Value history is not available on this server yet."
        : `Value history could not be loaded: ${result.reason.message}`));
      return;
    }
    const history = result.value;
    const base = history.base_currency;
    this.history.replaceChildren(historyChart(`Value in ${base}, ${history.range}`,
      history.points || [], (v) => fmt.money(v, base), (d) => fmt.date(d),
      (v) => fmt.axisMoney(v, base), HISTORY_STARTS));
  }

  showPerformance(result, highlight = false) {
    if (result.status === "rejected") {
      this.perf.value.textContent = "—";
      this.perf.sub.textContent = result.reason.missing
        ? "Returns are not available on this server yet." : "Returns could not be loaded.";
      return;
    }
    const p = result.value;
    const base = this.portfolio?.base_currency || "USD";
    setText(this.perf.value, p.twr === null ? "—" : fmt.fraction(p.twr), highlight);
    this.perf.value.dataset.trend = fmt.trend(p.twr);
    this.perf.value.title = p.twr === null ? "No time-weighted return: nothing was held in this period." : "";
    const xirr = p.xirr === null
      ? h("span", { class: "explained", id: "xirr", title: xirrReason(p.xirr_note) }, "XIRR —")
      : h("span", { id: "xirr" }, `XIRR ${fmt.fraction(p.xirr)}`);
    const gain = p.gain?.gain_net === undefined ? ""
      : ` · gain ${fmt.money(p.gain.gain_net, base, true)} net`
        + ` · ${fmt.money(p.gain.gain_gross, base, true)} gross`
        + ` · fees ${fmt.money(p.gain.fees.total, base)}`;
    this.perf.sub.replaceChildren(`time-weighted, ${this.range} · `, xirr, gain);
  }

  /** Returns move with prices too: fetch them again after a live update. */
  unmount() {
    clearInterval(this.ticker);
    clearTimeout(this.refetch);
  }
}

export function overviewPage() {
  if (view) view.unmount();
  view = new Overview();
  view.mount();
  view.load();
  return view;
}

export function leaveOverview() {
  if (view) view.unmount();
  view = null;
}

/** Hand a stream message to the overview when it is on screen. */
export function liveMessage(message) {
  if (view) view.live(message);
}
