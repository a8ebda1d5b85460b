// The transaction form, used to add and to correct; the fields shown follow the type.

import * as api from "./api.js";
import * as assets from "./assets.js";
import { clearFieldErrors, field, h, option, reportError, showFieldErrors } from "./dom.js";

const TYPES = ["BUY", "SELL", "DIVIDEND", "INTEREST", "FEE", "SPLIT", "DEPOSIT", "WITHDRAWAL"];
const FIELDS_BY_TYPE = {
  BUY: ["asset_id", "quantity", "price", "fee"],
  SELL: ["asset_id", "quantity", "price", "fee"],
  DIVIDEND: ["asset_id", "amount", "fee"],
  INTEREST: ["amount", "fee"],
  FEE: ["amount"],
  SPLIT: ["asset_id", "split_numerator", "split_denominator"],
  DEPOSIT: ["amount", "fee"],
  WITHDRAWAL: ["amount", "fee"],
};
const DECIMALS = ["quantity", "price", "amount", "fee", "split_numerator", "split_denominator"];

function localNow() {
  const now = new Date(Date.now() - 60000);
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function localValue(iso) {
  const at = new Date(iso);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function decimalInput(name) {
  return h("input", { name, type: "text", inputmode: "decimal", autocomplete: "off" });
}

/** A form for `account`; `existing` (a transaction) makes it a correction. `saved(tx)` runs
 * after the server accepted it. */
export function transactionForm(account, existing, symbolOf, saved, cancelled) {
  const status = h("div", { class: "form-status" });
  const list = h("datalist", { id: `symbols-${account.id}` });
  const symbol = h("input", { name: "asset_id", type: "text", list: list.id, autocomplete: "off",
    spellcheck: "false", class: "upper" });
  symbol.addEventListener("input", async () => {
    const q = symbol.value.trim();
    if (q.length < 1) return;
    try {
      const found = await assets.search(q);
      list.replaceChildren(...found.map((a) => option(a.symbol, `${a.name} (${a.currency})`)));
    } catch { /* suggestions are optional */ }
  });
  const inputs = {
    type: h("select", { name: "type" }, TYPES.map((t) => option(t, t, t === "BUY"))),
    executed_at: h("input", { name: "executed_at", type: "datetime-local", required: true,
      value: localNow(), step: 60 }),
    asset_id: symbol,
    quantity: decimalInput("quantity"),
    price: decimalInput("price"),
    amount: decimalInput("amount"),
    fee: decimalInput("fee"),
    split_numerator: decimalInput("split_numerator"),
    split_denominator: decimalInput("split_denominator"),
    note: h("input", { name: "note", type: "text", maxlength: 2000 }),
  };
  const labels = { type: "Type", executed_at: "Date and time", asset_id: "Symbol",
    quantity: "Quantity", price: `Price per unit`, amount: `Amount (${account.currency})`,
    fee: "Fee", split_numerator: "Split: new shares", split_denominator: "Split: old shares",
    note: "Note" };
  const wrappers = Object.fromEntries(Object.entries(inputs)
    .map(([name, input]) => [name, field(labels[name], input)]));
  const title = existing ? "Correct transaction" : `Add a transaction to ${account.name}`;
  const form = h("form", { class: "card tx-form", novalidate: true, "aria-label": title },
    h("h3", {}, title), status, h("div", { class: "grid" }, Object.values(wrappers)), list,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, existing ? "Save correction" : "Add"),
      cancelled ? h("button", { type: "button", onclick: cancelled }, "Cancel") : null));

  const showFor = () => {
    const wanted = FIELDS_BY_TYPE[inputs.type.value];
    for (const name of ["asset_id", ...DECIMALS]) wrappers[name].hidden = !wanted.includes(name);
  };
  inputs.type.addEventListener("change", showFor);
  if (existing) {
    inputs.type.value = existing.type;
    inputs.executed_at.value = localValue(existing.executed_at);
    symbol.value = existing.asset_id ? symbolOf(existing.asset_id) : "";
    for (const name of [...DECIMALS, "note"]) inputs[name].value = existing[name] ?? "";
  }
  showFor();

  const shownAt = inputs.executed_at.value;
  const shownSymbol = symbol.value;
  let attempt = null; // {payload, key}: a retry of the same submission keeps its key

  /** The asset id the symbol field names, or undefined after showing why there is none. */
  const assetId = async () => {
    const text = symbol.value.trim();
    if (existing?.asset_id && text === shownSymbol.trim()) return existing.asset_id;
    if (!text) {
      showFieldErrors(form, { asset_id: "Enter the symbol." });
      return undefined;
    }
    const asset = await assets.findSymbol(text).catch(() => null);
    if (!asset) {
      showFieldErrors(form, { asset_id: `No asset with the symbol ${text.toUpperCase()}.` });
      return undefined;
    }
    return asset.id;
  };

  /** What the form states, a hidden or blank field as null. */
  const stated = async () => {
    const wanted = FIELDS_BY_TYPE[inputs.type.value];
    if (!inputs.executed_at.value) {
      showFieldErrors(form, { executed_at: "Enter the date and time." });
      return null;
    }
    const values = { type: inputs.type.value, asset_id: null, note: inputs.note.value.trim() || null,
      executed_at: new Date(inputs.executed_at.value).toISOString() };
    if (wanted.includes("asset_id")) {
      values.asset_id = await assetId();
      if (values.asset_id === undefined) return null;
    }
    for (const name of DECIMALS) {
      const value = inputs[name].value.trim();
      values[name] = wanted.includes(name) && value !== "" ? value : null;
    }
    return values;
  };

  /** A correction sends only what changed; a cleared fee is "0", other cleared fields null. */
  const changes = (values) => {
    const body = {};
    if (values.type !== existing.type) body.type = values.type;
    if (inputs.executed_at.value !== shownAt) body.executed_at = values.executed_at;
    if (values.asset_id !== existing.asset_id) {
      body.asset_id = values.asset_id;
      if (values.asset_id === null) body.currency = account.currency;
    }
    for (const name of [...DECIMALS, "note"]) {
      const value = name === "fee" ? values.fee ?? "0" : values[name];
      if (value !== (existing[name] ?? null)) body[name] = value;
    }
    return body;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    status.replaceChildren();
    const values = await stated();
    if (!values) return;
    const body = existing ? changes(values)
      : Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null));
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      let tx;
      if (existing) {
        tx = await api.patch(`/api/v1/transactions/${existing.id}`, body);
      } else {
        const payload = JSON.stringify(body);
        if (attempt?.payload !== payload) attempt = { payload, key: api.newKey() };
        tx = await api.post(`/api/v1/accounts/${account.id}/transactions`, body,
          { "Idempotency-Key": attempt.key });
      }
      saved(tx);
    } catch (error) {
      reportError(form, status, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
