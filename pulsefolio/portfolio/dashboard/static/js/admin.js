// Admin: the asset service's data sources, its last refresh cycle and each price's age.

import * as api from "./api.js";
import * as assets from "./assets.js";
import { h, notice, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { Pager } from "./pager.js";

const CONCURRENCY = 6;
const PAGE_SIZE = 25;

/** What a source's state means to a reader; a source shut out says for how long. */
function stateText(s) {
  const state = s.state || (s.healthy ? "healthy" : "cooling_down");
  if (state === "cooling_down") return `cooling down ${fmt.seconds(s.unhealthy_for_seconds)}`;
  return { healthy: "healthy", failing: "failing", never_succeeded: "never succeeded",
    unused: "not asked yet" }[state] || state;
}

function table(id, caption, headings, rows) {
  return h("div", { class: "table-scroll" }, h("table", { id },
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows)));
}

function sourcesTable(sources) {
  return table("admin-sources", "Data sources", ["Source", "State", "Successes", "Failures",
    "Last success", "Last error", "Latency"], sources.map((s) => h("tr", {
    class: s.healthy ? null : "stale", dataset: { source: s.name } },
  h("th", { scope: "row" }, s.name),
  h("td", { "data-col": "state" }, stateText(s)),
  h("td", { class: "num" }, fmt.number(s.successes)), h("td", { class: "num" }, fmt.number(s.failures)),
  h("td", {}, s.last_success ? fmt.age(s.last_success) : "never"),
  h("td", {}, s.last_error || ""),
  h("td", { class: "num" }, s.latency_avg_seconds === null ? "—"
    : `${fmt.number(s.latency_avg_seconds * 1000)} ms`))));
}

function cycleSummary(cycle) {
  if (!cycle) return h("p", { class: "muted" }, "No refresh cycle has run yet.");
  const unpriced = cycle.unpriced?.length ? `Unpriced: ${cycle.unpriced.join(", ")}.` : "Every asset priced.";
  return h("p", { id: "admin-cycle" }, `Last cycle ${fmt.age(cycle.started_at)}: `
    + `${cycle.priced} of ${cycle.assets} assets priced, ${cycle.changed_prices} changed, `
    + `${cycle.fx_priced} of ${cycle.fx_pairs} FX pairs, took ${cycle.duration_seconds.toFixed(1)} s. `
    + unpriced);
}

async function quotes(list) {
  const out = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const asset = list[next++];
      try {
        out.push({ asset, quote: await api.get(`/api/v1/market/quotes/${encodeURIComponent(asset.symbol)}`) });
      } catch {
        out.push({ asset, quote: null });
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out.sort((a, b) => (b.quote?.age_seconds ?? Infinity) - (a.quote?.age_seconds ?? Infinity));
}

function quoteRow({ asset, quote }) {
  return h("tr", { class: quote ? null : "stale" },
    h("th", { scope: "row" }, asset.symbol),
    h("td", { class: "num" }, quote ? fmt.money(quote.price, quote.currency) : "no price"),
    h("td", {}, quote?.source || "—"), h("td", {}, quote ? fmt.dateTime(quote.as_of) : "—"),
    h("td", { class: "num" }, quote ? fmt.seconds(quote.age_seconds) : "—"));
}

/** The price ages, a page at a time, filtered by symbol, name or source. */
function stalenessView(found) {
  const body = h("tbody");
  const filter = h("input", { type: "search", name: "price-filter", id: "price-filter",
    placeholder: "Symbol, name or source", autocomplete: "off" });
  const pager = new Pager("price-pager", (index) => draw(index));
  const matching = () => {
    const text = filter.value.trim().toLowerCase();
    if (!text) return found;
    return found.filter(({ asset, quote }) => [asset.symbol, asset.name, quote?.source]
      .some((v) => v && v.toLowerCase().includes(text)));
  };
  const draw = (index) => {
    const rows = matching();
    const pages = Math.ceil(rows.length / PAGE_SIZE);
    const page = Math.max(0, Math.min(index, pages - 1));
    body.replaceChildren(...rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE).map(quoteRow));
    pager.update(page, pages, rows.length, "prices");
  };
  filter.addEventListener("input", () => draw(0));
  draw(0);
  return h("div", {},
    h("div", { class: "field" }, h("label", { for: "price-filter" }, "Filter prices"), filter),
    h("div", { class: "table-scroll" }, h("table", { id: "admin-staleness" },
      h("caption", {}, "Price age, stalest first"),
      h("thead", {}, h("tr", {}, ["Symbol", "Price", "Source", "As of", "Age"]
        .map((t) => h("th", { scope: "col" }, t)))), body)),
    pager.element);
}

export async function adminPage() {
  const health = h("div", { class: "card" }, h("p", { class: "muted" }, "Loading…"));
  const sources = h("div", { class: "card" });
  const staleness = h("div", { class: "card" }, h("p", { class: "muted" }, "Loading prices…"));
  showPage("Admin", health, sources, staleness);
  try {
    const [state, status] = await Promise.all([api.get("/api/v1/market/health"),
      api.get("/api/v1/market/sources")]);
    health.replaceChildren(h("h2", {}, "Asset service"), h("p", { id: "admin-health" },
      `Status ${state.status}: database ${state.database}, cache ${state.cache}, `
      + `stream ${state.stream}.`), cycleSummary(status.cycle));
    sources.replaceChildren(sourcesTable(status.sources));
  } catch (error) {
    health.replaceChildren(notice("error", `The asset service could not be reached: ${error.message}`));
  }
  try {
    staleness.replaceChildren(stalenessView(await quotes(await assets.all())));
  } catch (error) {
    staleness.replaceChildren(notice("error", `Prices could not be loaded: ${error.message}`));
  }
}
