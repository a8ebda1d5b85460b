// Performance against a benchmark: the portfolio's time-weighted return beside one asset's
// price return over a chosen range, both drawdowns, and cards summing them up. A live update
// fetches the figures again shortly after, so the portfolio's last point moves with prices.

import * as api from "./api.js";
import { linesChart } from "./charts.js";
import { h, notice, option, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { card, setText } from "./overview.js";
import { onLive } from "./pagelive.js";

const RANGES = ["1D", "1W", "1M", "3M", "6M", "YTD", "1Y", "5Y", "MAX"];
const INTERVAL = { "5Y": "week", MAX: "week" };
const BROAD = ["VT", "VTI", "VWRL.L", "VWCE.DE", "EUNL.DE", "ACWI", "VOO", "SPY", "IVV"];
const PAGE = 200;
const RELOAD_DELAY = 1000;
const TOO_SHORT = "The comparison starts once the portfolio has a history of two days.";

/** Every asset the caller can see, a page of the catalogue at a time. */
async function catalogue() {
  const found = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await api.get(`/api/v1/assets?limit=${PAGE}&offset=${offset}`);
    found.push(...page);
    if (page.length < PAGE) return found;
  }
}

/** The asset named in the hash, else a broad index fund, else any ETF, else the first. */
function defaultAsset(list, wanted) {
  const bySymbol = new Map(list.map((a) => [a.symbol, a]));
  return list.find((a) => a.id === wanted)
    || BROAD.map((symbol) => bySymbol.get(symbol)).find(Boolean)
    || list.find((a) => a.asset_class === "etf") || list[0];
}

/** When a maximum drawdown fell and came back, for its card. */
function fall(d) {
  if (!d) return "";
  if (d.peak === null) return "never below a peak";
  const back = d.recovery ? `back ${fmt.date(d.recovery)}` : "not recovered";
  return `${fmt.date(d.peak)} to ${fmt.date(d.trough)} · ${back}`;
}

class BenchmarkPage {
  constructor(params) {
    this.range = RANGES.includes(params.get("range")) ? params.get("range") : "1Y";
    this.wanted = Number(params.get("asset")) || null;
    this.account = params.get("account") || "";
    this.answer = null;
    this.status = h("div", { class: "page-status" });
    this.picker = h("select", { id: "bench-asset", onchange: () => this.load(false) });
    this.scope = h("select", { id: "bench-scope", onchange: () => this.load(false) },
      option("", "All accounts", true));
    this.rangeButtons = RANGES.map((r) => h("button", { type: "button", class: "range",
      "aria-pressed": String(r === this.range), onclick: () => this.selectRange(r) }, r));
    this.twr = card("bench-twr", "Time-weighted return");
    this.theirs = card("bench-return", "Benchmark return");
    this.excess = card("bench-excess", "Excess return");
    this.drawdown = card("bench-drawdown", "Max drawdown");
    this.theirDrawdown = card("bench-drawdown-benchmark", "Benchmark max drawdown");
    this.cards = [this.twr, this.theirs, this.excess, this.drawdown, this.theirDrawdown];
    for (const c of this.cards) c.value.textContent = "…";
    this.returnChart = h("div", { class: "history-body", id: "bench-return-chart" });
    this.drawdownChart = h("div", { class: "history-body", id: "bench-drawdown-chart" });
  }

  mount() {
    showPage("Benchmark", this.status,
      h("section", { class: "card", "aria-labelledby": "bench-controls-h" },
        h("div", { class: "section-head" }, h("h2", { id: "bench-controls-h" }, "Compare with"),
          h("div", { class: "ranges", role: "group", "aria-label": "Period" }, this.rangeButtons)),
        h("div", { class: "two-col" },
          h("p", {}, h("label", { for: "bench-scope" }, "Portfolio "), this.scope),
          h("p", {}, h("label", { for: "bench-asset" }, "Benchmark "), this.picker))),
      h("div", { class: "stats" }, this.cards.map((c) => c.element)),
      h("section", { class: "card", "aria-labelledby": "bench-chart-h" },
        h("h2", { id: "bench-chart-h" }, "Cumulative return"), this.returnChart),
      h("section", { class: "card", "aria-labelledby": "bench-dd-h" },
        h("h2", { id: "bench-dd-h" }, "Drawdown"), this.drawdownChart));
    onLive((message) => {
      if (message.type !== "portfolio") return;
      clearTimeout(this.reloading);
      this.reloading = setTimeout(() => this.load(true), RELOAD_DELAY);
    });
  }

  async start() {
    let list;
    const accounts = api.get("/api/v1/accounts").catch(() => []);
    try {
      list = await catalogue();
    } catch (error) {
      this.status.replaceChildren(notice("error", `The assets could not be loaded: ${error.message}`));
      return;
    }
    if (!list.length) {
      this.status.replaceChildren(notice("info", "There are no assets to compare with yet."));
      return;
    }
    const chosen = defaultAsset(list, this.wanted);
    const classes = [...new Set(list.map((a) => a.asset_class))].sort();
    this.picker.replaceChildren(...classes.map((c) => h("optgroup", { label: fmt.label(c) },
      list.filter((a) => a.asset_class === c).sort((a, b) => a.symbol.localeCompare(b.symbol))
        .map((a) => option(String(a.id), `${a.symbol} · ${a.name}`, a.id === chosen.id)))));
    this.scope.append(...(await accounts).map((a) => option(String(a.id), a.name,
      String(a.id) === this.account)));
    this.load(false);
  }

  selectRange(range) {
    this.range = range;
    for (const b of this.rangeButtons) b.setAttribute("aria-pressed", String(b.textContent === range));
    this.load(false);
  }

  /** The API path of what the controls choose now. */
  path() {
    const scope = this.scope.value ? `/api/v1/accounts/${this.scope.value}` : "/api/v1/portfolio";
    return `${scope}/benchmark?asset_id=${this.picker.value}&range=${this.range}`
      + `&interval=${INTERVAL[this.range] || "day"}`;
  }

  async load(highlight) {
    if (!this.picker.value) return;
    const path = this.path();
    const account = this.scope.value ? `&account=${this.scope.value}` : "";
    history.replaceState(null, "", `#/benchmark?asset=${this.picker.value}&range=${this.range}`
      + account);
    if (!highlight) this.returnChart.replaceChildren(h("p", { class: "muted" }, "Loading…"));
    let answer;
    try {
      answer = await api.get(path);
    } catch (error) {
      if (path === this.path()) {
        this.status.replaceChildren(notice("error", `The comparison could not be loaded: ${error.message}`));
      }
      return;
    }
    if (path !== this.path()) return;
    this.status.replaceChildren();
    this.answer = answer;
    this.showCards(answer, highlight);
    this.showCharts(answer);
  }

  showCards(a, highlight) {
    const symbol = a.asset.symbol;
    setText(this.twr.value, fmt.fraction(a.twr), highlight);
    this.twr.value.dataset.trend = fmt.trend(a.twr);
    const scope = this.scope.value ? this.scope.selectedOptions[0].textContent : "the portfolio";
    this.twr.sub.textContent = `${scope}, ${a.range}`;
    setText(this.theirs.value, fmt.fraction(a.benchmark_return), highlight);
    this.theirs.value.dataset.trend = fmt.trend(a.benchmark_return);
    this.theirs.sub.textContent = a.benchmark_return === null ? `${symbol}: no price in this period`
      : `${symbol} in ${a.base_currency}${a.asset.currency === a.base_currency ? ""
        : ` · ${fmt.fraction(a.benchmark_return_local)} in ${a.asset.currency}`}`;
    setText(this.excess.value, fmt.fraction(a.excess_return), highlight);
    this.excess.value.dataset.trend = fmt.trend(a.excess_return);
    this.excess.sub.textContent = `portfolio less ${symbol}`;
    for (const [target, found] of [[this.drawdown, a.max_drawdown.portfolio],
      [this.theirDrawdown, a.max_drawdown.benchmark]]) {
      setText(target.value, fmt.fraction(found?.depth), highlight);
      target.value.dataset.trend = fmt.trend(found?.depth);
      target.sub.textContent = fall(found);
    }
    this.theirDrawdown.element.querySelector("h2").textContent = `${symbol} max drawdown`;
  }

  showCharts(a) {
    const points = a.points;
    if (points.length < 2) {
      const note = h("div", { class: "chart-empty" }, h("p", {}, TOO_SHORT));
      this.returnChart.replaceChildren(note);
      this.drawdownChart.replaceChildren(note.cloneNode(true));
      return;
    }
    const dates = points.map((p) => p.date);
    const label = this.scope.value ? this.scope.selectedOptions[0].textContent : "Portfolio";
    const lines = (mine, theirs) => [{ label, values: points.map((p) => p[mine]) },
      { label: a.asset.symbol, values: points.map((p) => p[theirs]) }];
    const draw = (title, mine, theirs) => linesChart(`${title}, ${a.range}`, dates,
      lines(mine, theirs), (v) => fmt.fraction(v), (d) => fmt.date(d), (v) => fmt.fraction(v));
    this.returnChart.replaceChildren(draw("Cumulative return", "portfolio", "benchmark"));
    this.drawdownChart.replaceChildren(draw("Drawdown", "portfolio_drawdown", "benchmark_drawdown"));
  }
}

/** The page of the hash "#/benchmark?asset=7&range=1Y&account=3" (each optional; no account:
 * all of them). */
export function benchmarkPage() {
  const page = new BenchmarkPage(new URLSearchParams(location.hash.split("?")[1] || ""));
  page.mount();
  page.start();
  return page;
}
