// The holdings table: sortable by any column, updated in place, changed cells highlighted.

import { flash, h } from "./dom.js";
import * as fmt from "./format.js";

const num = (v) => (v === null || v === undefined ? -Infinity : parseFloat(v));

/** Column: key, heading, cell text, sort value, optional class; `narrow` hides it on phones. */
const COLUMNS = [
  { key: "symbol", title: "Holding", sort: (r) => r.symbol },
  { key: "account", title: "Account", sort: (r, ctx) => ctx.accountName(r.account_id),
    text: (r, ctx) => ctx.accountName(r.account_id), narrow: true },
  { key: "quantity", title: "Quantity", text: (r) => fmt.quantity(r.quantity),
    sort: (r) => num(r.quantity), numeric: true, narrow: true },
  { key: "price", title: "Price", text: (r) => fmt.unitPrice(r.price, r.currency),
    sort: (r) => num(r.price), numeric: true },
  { key: "age", title: "Price age · source", sort: (r) => (r.price_as_of ? -Date.parse(r.price_as_of) : -Infinity),
    text: (r) => `${fmt.age(r.price_as_of)} · ${sourceText(r)}`, quiet: true, narrow: true },
  { key: "value", title: "Value", text: (r, ctx) => fmt.money(r.value_base, ctx.base),
    sort: (r) => num(r.value_base), numeric: true },
  { key: "weight", title: "Weight", text: (r) => fmt.percent(r.weight_percent, false),
    sort: (r) => num(r.weight_percent), numeric: true, narrow: true },
  { key: "day", title: "Day change", text: (r, ctx) => dayText(r, ctx),
    sort: (r) => num(r.day_change), numeric: true, trend: (r) => fmt.trend(r.day_change) },
  { key: "gain", title: "Unrealized gain", text: (r, ctx) => gainText(r, ctx),
    sort: (r) => num(r.unrealized_gain), numeric: true, trend: (r) => fmt.trend(r.unrealized_gain) },
];

function sourceText(row) {
  if (!row.price_source) return "no price";
  return row.price_origin === "database" ? `${row.price_source} (stored)` : row.price_source;
}

function dayText(row, ctx) {
  if (row.day_change === null || row.day_change === undefined) return "—";
  return `${fmt.money(row.day_change, ctx.base, true)} (${fmt.percent(row.day_change_percent)})`;
}

function gainText(row, ctx) {
  if (row.unrealized_gain === null || row.unrealized_gain === undefined) return "—";
  return `${fmt.money(row.unrealized_gain, ctx.base, true)} `
    + `(${fmt.percent(row.unrealized_gain_percent)})`;
}

export const keyOf = (row) => `${row.account_id}:${row.asset_id}`;

/** The holding page of a row: one asset in one account. */
export const holdingHref = (row) => `#/holding?account=${row.account_id}&asset=${row.asset_id}`;

export class HoldingsTable {
  constructor(ctx) {
    this.ctx = ctx; // {base, accountName(id)}
    this.rows = new Map();
    this.data = [];
    this.sortKey = "value";
    this.descending = true;
    this.body = h("tbody");
    this.headers = COLUMNS.map((col) => this.header(col));
    this.element = h("div", { class: "table-scroll", tabindex: "0", role: "region",
      "aria-labelledby": "holdings-caption" },
    h("table", { class: "holdings", id: "holdings" },
      h("caption", { id: "holdings-caption" }, "Holdings",
        h("span", { class: "visually-hidden" }, ", column headers are sort buttons")),
      h("thead", {}, h("tr", {}, this.headers)), this.body));
  }

  header(col) {
    const button = h("button", { type: "button", class: "sort", dataset: { sort: col.key } },
      col.title);
    button.addEventListener("click", () => {
      this.descending = this.sortKey === col.key ? !this.descending : col.numeric === true;
      this.sortKey = col.key;
      this.order();
    });
    return h("th", { scope: "col", class: [col.numeric ? "num" : "", col.narrow ? "narrow" : ""]
      .join(" ").trim() || null }, button);
  }

  /** Show `holdings`; with `highlight`, flash every cell whose text changed. */
  update(holdings, highlight) {
    this.data = holdings;
    const seen = new Set();
    for (const row of holdings) {
      const key = keyOf(row);
      seen.add(key);
      const existing = this.rows.get(key);
      if (existing) {
        this.fillRow(existing, row, highlight);
      } else {
        const tr = this.newRow(row);
        this.rows.set(key, tr);
        if (highlight) flash(tr);
      }
    }
    for (const [key, tr] of this.rows) {
      if (!seen.has(key)) {
        tr.remove();
        this.rows.delete(key);
      }
    }
    this.order();
  }

  newRow(row) {
    const tr = h("tr", { dataset: { key: keyOf(row), symbol: row.symbol } });
    for (const col of COLUMNS) {
      const cell = col.key === "symbol"
        ? h("th", { scope: "row" }, h("a", { class: "symbol", href: holdingHref(row),
          title: "Open this holding" }), h("span", { class: "name" }),
          h("span", { class: "badge stale-badge", title: "This price is older than expected" },
            "Stale"))
        : h("td", { class: [col.numeric ? "num" : "", col.narrow ? "narrow" : ""].join(" ")
          .trim() || null });
      cell.dataset.col = col.key;
      tr.append(cell);
    }
    this.fillRow(tr, row, false);
    return tr;
  }

  fillRow(tr, row, highlight) {
    tr.classList.toggle("stale", row.stale === true);
    tr.classList.toggle("unpriced", !row.price);
    for (const [i, col] of COLUMNS.entries()) {
      const cell = tr.children[i];
      if (col.key === "symbol") {
        cell.querySelector(".symbol").textContent = row.symbol;
        cell.querySelector(".name").textContent = row.name;
        continue;
      }
      const text = col.text(row, this.ctx);
      if (cell.textContent !== text) {
        cell.textContent = text;
        if (highlight && !col.quiet) flash(cell);
      }
      if (col.trend) cell.dataset.trend = col.trend(row);
    }
  }

  /** Re-render the age column (time moves on without any message). */
  tick() {
    const index = COLUMNS.findIndex((c) => c.key === "age");
    for (const row of this.data) {
      const tr = this.rows.get(keyOf(row));
      if (tr) tr.children[index].textContent = COLUMNS[index].text(row, this.ctx);
    }
  }

  order() {
    const col = COLUMNS.find((c) => c.key === this.sortKey);
    const sign = this.descending ? -1 : 1;
    const sorted = [...this.data].sort((a, b) => {
      const x = col.sort(a, this.ctx);
      const y = col.sort(b, this.ctx);
      if (typeof x === "string") return sign * x.localeCompare(y);
      return sign * (x - y);
    });
    for (const row of sorted) this.body.append(this.rows.get(keyOf(row)));
    for (const th of this.headers) {
      const active = th.firstChild.dataset.sort === this.sortKey;
      if (active) th.setAttribute("aria-sort", this.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
  }
}
