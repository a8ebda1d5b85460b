// Transactions of every account: filter by account, asset, type and dates; sort; page. New
// transactions (from another tab, an import) show as the live stream reports position changes.

import { describe, loadAccounts } from "./accounts.js";
import * as api from "./api.js";
import * as assets from "./assets.js";
import { clearFieldErrors, field, h, notice, option, reportError, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { Pager } from "./pager.js";
import { onLive } from "./pagelive.js";

const PAGE_SIZE = 25;
const TYPES = ["BUY", "SELL", "DIVIDEND", "INTEREST", "FEE", "DEPOSIT", "WITHDRAWAL", "SPLIT"];
/** Column: heading, sort key of GET /api/v1/transactions, numeric. */
const COLUMNS = [["Date", "executed_at"], ["Account", "account"], ["Symbol", "symbol"],
  ["Type", "type"], ["Quantity", "quantity", true], ["Price", "price", true],
  ["Amount", "amount", true], ["Fee", "fee", true]];
const RELOAD_DELAY = 1000;

/** The next day of a "YYYY-MM-DD" date: the API's `to` is exclusive, the form's date is not. */
function dayAfter(day) {
  const next = new Date(`${day}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

class TransactionsPage {
  constructor(accounts) {
    this.accounts = new Map(accounts.map((a) => [a.id, a]));
    this.sort = "-executed_at";
    this.offset = 0;
    this.query = new URLSearchParams();
    this.status = h("div", { class: "page-status" });
    this.body = h("tbody");
    this.pager = new Pager("tx-pager", (index) => this.load(index * PAGE_SIZE));
    this.headers = COLUMNS.map(([title, key, numeric]) => {
      const button = h("button", { type: "button", class: "sort", dataset: { sort: key } }, title);
      button.addEventListener("click", () => this.sortBy(key, numeric));
      return h("th", { scope: "col", class: numeric ? "num" : null }, button);
    });
    this.form = this.filterForm(accounts);
    this.table = h("div", { class: "table-scroll", tabindex: "0", role: "region",
      "aria-labelledby": "tx-caption" }, h("table", { class: "tx-all", id: "transactions" },
      h("caption", { id: "tx-caption" }, "Transactions",
        h("span", { class: "visually-hidden" }, ", column headers are sort buttons")),
      h("thead", {}, h("tr", {}, this.headers)), this.body));
  }

  filterForm(accounts) {
    const form = h("form", { class: "card filters", id: "tx-filters", novalidate: true,
      "aria-labelledby": "tx-filters-h" }, h("h2", { id: "tx-filters-h" }, "Filter"),
    h("div", { class: "form-status" }),
    h("div", { class: "inline-form" },
      field("Account", h("select", { name: "account_id" }, option("", "All accounts"),
        accounts.map((a) => option(String(a.id), a.name)))),
      field("Symbol", h("input", { name: "asset", type: "text", autocomplete: "off",
        class: "upper", placeholder: "Any" })),
      field("Type", h("select", { name: "type" }, option("", "All types"),
        TYPES.map((t) => option(t, fmt.label(t.toLowerCase()))))),
      field("From", h("input", { name: "from", type: "date" })),
      field("To", h("input", { name: "to", type: "date" })),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Apply"),
        h("button", { type: "reset" }, "Clear"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.applyFilters();
    });
    form.addEventListener("reset", () => setTimeout(() => this.applyFilters(), 0));
    return form;
  }

  mount() {
    showPage("Transactions", this.status, this.form,
      h("section", { class: "card", "aria-labelledby": "tx-caption" }, this.table,
        this.pager.element));
    onLive((message) => {
      if (message.type !== "portfolio") return;
      clearTimeout(this.reloading);
      this.reloading = setTimeout(() => this.load(this.offset), RELOAD_DELAY);
    });
  }

  async applyFilters() {
    const form = this.form;
    const status = form.querySelector(".form-status");
    clearFieldErrors(form);
    status.replaceChildren();
    const values = form.elements;
    const query = new URLSearchParams();
    if (values.account_id.value) query.set("account_id", values.account_id.value);
    if (values.type.value) query.set("type", values.type.value);
    if (values.from.value) query.set("from", `${values.from.value}T00:00:00Z`);
    if (values.to.value) query.set("to", `${dayAfter(values.to.value)}T00:00:00Z`);
    const symbol = values.asset.value.trim();
    if (symbol) {
      const asset = await assets.findSymbol(symbol).catch(() => null);
      if (!asset) {
        reportError(form, status, { fields: { asset: `No asset has the symbol ${symbol.toUpperCase()}.` } });
        return;
      }
      query.set("asset_id", String(asset.id));
    }
    this.query = query;
    this.load(0);
  }

  sortBy(key, numeric) {
    const current = this.sort.replace(/^-/, "");
    const descending = current === key ? !this.sort.startsWith("-") : numeric || key === "executed_at";
    this.sort = `${descending ? "-" : ""}${key}`;
    this.load(0);
  }

  async load(offset) {
    const query = new URLSearchParams(this.query);
    query.set("sort", this.sort);
    query.set("offset", String(Math.max(0, offset)));
    query.set("limit", String(PAGE_SIZE));
    let page;
    try {
      page = await api.get(`/api/v1/transactions?${query}`);
    } catch (error) {
      const status = this.form.querySelector(".form-status");
      if (error.status === 422) reportError(this.form, status, errorOnFields(error));
      else this.status.replaceChildren(notice("error", `Transactions could not be loaded: ${error.message}`));
      return;
    }
    this.status.replaceChildren();
    this.offset = page.offset;
    const lookup = await assets.byIds(page.items.map((t) => t.asset_id).filter(Boolean));
    const symbolOf = (id) => lookup(id)?.symbol || `#${id}`;
    this.body.replaceChildren(...page.items.map((tx) => this.row(tx, symbolOf)));
    if (!page.items.length) {
      this.body.append(h("tr", {}, h("td", { colspan: COLUMNS.length, class: "muted" },
        page.total ? "No transactions on this page." : "No transactions match.")));
    }
    this.pager.update(Math.floor(page.offset / PAGE_SIZE), Math.ceil(page.total / PAGE_SIZE),
      page.total, "transactions");
    for (const th of this.headers) {
      const key = th.firstChild.dataset.sort;
      if (key === this.sort.replace(/^-/, "")) {
        th.setAttribute("aria-sort", this.sort.startsWith("-") ? "descending" : "ascending");
      } else th.removeAttribute("aria-sort");
    }
  }

  row(tx, symbolOf) {
    const account = this.accounts.get(tx.account_id) || { name: `Account ${tx.account_id}`,
      currency: tx.currency };
    const money = (v) => (v === null ? "" : fmt.money(v, tx.currency));
    const d = describe(tx, symbolOf, account);
    const cell = (col, text, numeric) => h("td", { class: numeric ? "num" : null,
      dataset: { col } }, text);
    return h("tr", { dataset: { tx: tx.id } }, cell("date", fmt.date(tx.executed_at)),
      cell("account", account.name), h("th", { scope: "row", dataset: { col: "symbol" } }, d.symbol),
      cell("type", fmt.label(tx.type.toLowerCase())),
      cell("quantity", tx.quantity === null ? "" : fmt.quantity(tx.quantity), true),
      cell("price", tx.price === null ? "" : fmt.unitPrice(tx.price, tx.currency), true),
      cell("amount", money(tx.amount), true), cell("fee", d.fee, true));
  }
}

/** A 422 on the query names "query.from"; the form's fields are named without "query.". */
function errorOnFields(error) {
  const fields = Object.fromEntries(Object.entries(error.fields || {})
    .map(([name, reason]) => [name.replace(/^query\./, "").replace("asset_id", "asset"), reason]));
  return { fields, message: error.message };
}

export async function transactionsPage() {
  const accounts = await loadAccounts().catch(() => []);
  const page = new TransactionsPage(accounts);
  page.mount();
  await page.load(0);
  return page;
}
