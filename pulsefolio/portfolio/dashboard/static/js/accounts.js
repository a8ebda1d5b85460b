// Accounts: create and rename; each account's transactions: add, correct, delete, export.

import * as api from "./api.js";
import * as assets from "./assets.js";
import { announce, field, h, notice, option, showPage, submit } from "./dom.js";
import * as fmt from "./format.js";
import { transactionForm } from "./txform.js";

const KINDS = ["brokerage", "retirement", "savings", "other"];

export async function loadAccounts() {
  return (await api.get("/api/v1/accounts")).filter((a) => !a.closed_at);
}

function createForm(me, created) {
  const status = h("div", { class: "form-status" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "new-account-h" },
    h("h2", { id: "new-account-h" }, "New account"), status,
    h("div", { class: "grid" },
      field("Name", h("input", { name: "name", type: "text", required: true, maxlength: 200 })),
      field("Currency", h("input", { name: "currency", type: "text", required: true,
        maxlength: 3, value: me.base_currency, class: "upper", autocomplete: "off" })),
      field("Kind", h("select", { name: "kind" }, KINDS.map((k) => option(k, fmt.label(k)))))),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create account")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: form.elements.name.value.trim(),
      currency: form.elements.currency.value.trim().toUpperCase(), kind: form.elements.kind.value };
    const account = await submit(form, status, () => api.post("/api/v1/accounts", body));
    if (account) {
      form.reset();
      announce(`Account ${account.name} created.`);
      created(account);
    }
  });
  return form;
}

function renameForm(account, renamed, cancel) {
  const status = h("div", { class: "form-status" });
  const input = h("input", { name: "name", type: "text", required: true, value: account.name });
  const form = h("form", { class: "inline-form", novalidate: true,
    "aria-label": `Rename ${account.name}` }, status, field("New name", input),
  h("button", { type: "submit", class: "primary" }, "Save"),
  h("button", { type: "button", onclick: cancel }, "Cancel"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const saved = await submit(form, status,
      () => api.patch(`/api/v1/accounts/${account.id}`, { name: input.value.trim() }));
    if (saved) renamed(saved);
  });
  setTimeout(() => input.select(), 0);
  return form;
}

async function exportCsv(account, status) {
  try {
    const response = await api.request("GET",
      `/api/v1/transactions/export.csv?account_id=${account.id}`, undefined, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `pulsefolio-${account.id}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    status.replaceChildren(notice(error.missing ? "warn" : "error", error.missing
      ? "Export is not available on this server yet." : `Export failed: ${error.message}`));
  }
}

export function describe(tx, symbolOf, account) {
  const money = (v) => (v === null ? "" : fmt.money(v, tx.currency || account.currency));
  const parts = [];
  if (tx.quantity !== null) parts.push(`${fmt.quantity(tx.quantity)} ×`);
  if (tx.price !== null) parts.push(fmt.unitPrice(tx.price, tx.currency || account.currency));
  if (tx.amount !== null) parts.push(money(tx.amount));
  if (tx.split_numerator !== null) parts.push(`${tx.split_numerator}:${tx.split_denominator}`);
  return { symbol: tx.asset_id ? symbolOf(tx.asset_id) : "", detail: parts.join(" "),
    fee: tx.fee && /[1-9]/.test(tx.fee) ? money(tx.fee) : "" };
}

class AccountPanel {
  constructor(account, onRenamed) {
    this.account = account;
    this.onRenamed = onRenamed;
    this.status = h("div", { class: "form-status" });
    this.list = h("div", { class: "tx-list" });
    this.formSlot = h("div");
    this.heading = h("h2", { id: `acct-${account.id}-h` }, account.name);
    this.element = h("section", { class: "card account", "aria-labelledby": this.heading.id,
      dataset: { account: account.id } });
    this.render();
  }

  render() {
    const a = this.account;
    this.element.replaceChildren(
      h("div", { class: "section-head" }, this.heading,
        h("span", { class: "muted" }, `${a.currency} · ${fmt.label(a.kind)} · ${a.cost_method.toUpperCase()}`)),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => this.rename() }, "Rename"),
        h("button", { type: "button", class: "primary", onclick: () => this.add() }, "Add transaction"),
        h("button", { type: "button", onclick: () => exportCsv(a, this.status) }, "Export CSV")),
      this.status, this.formSlot, this.list);
  }

  /** A message in the panel, also read out, with focus back on the panel's add button. */
  say(text) {
    this.status.replaceChildren(notice("info", text));
    announce(text);
    this.element.querySelector("button.primary").focus();
  }

  rename() {
    this.formSlot.replaceChildren(renameForm(this.account, (saved) => {
      this.account = saved;
      this.heading.textContent = saved.name;
      this.formSlot.replaceChildren();
      announce(`Renamed to ${saved.name}.`);
      this.onRenamed(saved);
    }, () => this.formSlot.replaceChildren()));
  }

  add(existing) {
    const form = transactionForm(this.account, existing, (id) => this.symbolOf(id), (tx) => {
      this.formSlot.replaceChildren();
      this.say(existing ? "Transaction corrected." : `${fmt.label(tx.type.toLowerCase())} recorded.`);
      this.load();
    }, () => this.formSlot.replaceChildren());
    this.formSlot.replaceChildren(form);
    form.querySelector("select, input").focus();
  }

  async load() {
    try {
      const page = await api.get(`/api/v1/accounts/${this.account.id}/transactions?limit=100`);
      const lookup = await assets.byIds(page.items.map((t) => t.asset_id).filter(Boolean));
      this.symbolOf = (id) => lookup(id)?.symbol || `#${id}`;
      this.showList(page);
    } catch (error) {
      this.list.replaceChildren(notice("error", `Transactions could not be loaded: ${error.message}`));
    }
  }

  showList(page) {
    if (!page.items.length) {
      this.list.replaceChildren(h("p", { class: "muted" }, "No transactions yet."));
      return;
    }
    const rows = page.items.map((tx) => {
      const d = describe(tx, this.symbolOf, this.account);
      const what = `${fmt.label(tx.type.toLowerCase())} ${d.symbol} of ${fmt.date(tx.executed_at)}`;
      const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete ${what}` },
        "Delete");
      remove.addEventListener("click", () => this.remove(tx, remove));
      return h("tr", { dataset: { tx: tx.id } }, h("td", {}, fmt.date(tx.executed_at)),
        h("td", {}, fmt.label(tx.type.toLowerCase())), h("th", { scope: "row" }, d.symbol),
        h("td", { class: "num" }, d.detail), h("td", { class: "num narrow" }, d.fee),
        h("td", { class: "row-actions" },
          h("button", { type: "button", "aria-label": `Correct ${what}`, onclick: () => this.add(tx) },
            "Correct"), remove));
    });
    const more = page.next_cursor ? [h("p", { class: "muted" }, "Showing the latest 100.")] : [];
    this.list.replaceChildren(h("div", { class: "table-scroll" }, h("table", { class: "tx" },
      h("caption", { class: "visually-hidden" }, `Transactions of ${this.account.name}`),
      h("thead", {}, h("tr", {}, ["Date", "Type", "Symbol", "Details", "Fee", "Actions"]
        .map((t) => h("th", { scope: "col", class: t === "Fee" ? "num narrow" : null }, t)))),
      h("tbody", {}, rows))), ...more);
  }

  async remove(tx, button) {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Confirm delete";
      button.setAttribute("aria-label", "Confirm: delete this transaction");
      return;
    }
    try {
      await api.del(`/api/v1/transactions/${tx.id}`);
      this.say("Transaction deleted.");
      this.load();
    } catch (error) {
      this.status.replaceChildren(notice("error", `Delete failed: ${error.message}`));
    }
  }
}

export async function accountsPage(me) {
  const status = h("div", { class: "page-status" });
  const panels = h("div", { class: "accounts" });
  const addPanel = (account) => {
    status.replaceChildren(); // no longer "Create your first account."
    const panel = new AccountPanel(account, () => {});
    panels.append(panel.element);
    panel.load();
  };
  showPage("Accounts", status, createForm(me, addPanel), panels);
  try {
    const accounts = await loadAccounts();
    accounts.forEach(addPanel);
    if (!accounts.length) status.replaceChildren(notice("info", "Create your first account."));
  } catch (error) {
    status.replaceChildren(notice("error", `Accounts could not be loaded: ${error.message}`));
  }
}
