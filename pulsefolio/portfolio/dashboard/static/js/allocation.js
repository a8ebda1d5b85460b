// Allocation: current against target weights by asset class, currency or holding, the drift,
// the trades back to the targets (or what to buy with new cash), and the targets form.

import * as api from "./api.js";
import { h, notice, option, s, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { onLive } from "./pagelive.js";

const DIMENSIONS = [["asset_class", "Asset class"], ["currency", "Currency"], ["holding", "Holding"]];
const RELOAD_DELAY = 800;
const points = new Intl.NumberFormat(navigator.language || "en-US", {
  minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" });

function cell(text, numeric) {
  return h("td", { class: numeric ? "num" : null }, text);
}

/** Current weight as a bar, the target as a tick (SVG attributes: no inline style). */
function bar(weight, target) {
  const clamp = (v) => Math.max(0, Math.min(100, Number(v)));
  return s("svg", { class: "alloc-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none",
    role: "img", "aria-label": `${weight}% now, target ${target ?? "none"}` },
  s("rect", { class: "alloc-track", x: 0, y: 0, width: 100, height: 10 }),
  s("rect", { class: "alloc-now", x: 0, y: 1, width: clamp(weight), height: 8 }),
  target === null ? null : s("rect", { class: "alloc-target", x: clamp(target) - 0.6, y: 0,
    width: 1.2, height: 10 }));
}

/** A weight typed as "12.5" in ten-thousandths (125000), exactly; NaN when not a weight. */
function units(text) {
  const match = /^(\d*)(?:\.(\d{0,4}))?$/.exec(text.trim());
  if (!match) return NaN;
  return Number(match[1] || 0) * 10000 + Number((match[2] || "").padEnd(4, "0"));
}

class AllocationPage {
  constructor() {
    this.dimension = new URLSearchParams(location.hash.split("?")[1] || "").get("dimension")
      || "asset_class";
    this.select = h("select", { id: "alloc-dimension" },
      ...DIMENSIONS.map(([v, label]) => option(v, label, v === this.dimension)));
    this.account = h("select", { id: "alloc-account", name: "account_id" },
      option("", "All accounts", true));
    this.cash = h("input", { id: "alloc-cash", name: "cash", inputmode: "decimal",
      placeholder: "0.00", autocomplete: "off" });
    this.status = h("div", { role: "status" });
    this.summary = h("p", { id: "alloc-summary", class: "totals" });
    this.rows = h("div", { id: "alloc-rows", class: "table-scroll" });
    this.trades = h("div", { id: "alloc-trades", class: "table-scroll" });
    this.form = h("form", { id: "alloc-targets", novalidate: true });
    this.formStatus = h("div", { role: "status", id: "alloc-form-status" });
    this.accounts = new Map();
    this.select.addEventListener("change", () => {
      this.dimension = this.select.value;
      this.formStatus.replaceChildren();
      this.load(true);
    });
    this.cash.addEventListener("change", () => this.load(false));
    this.account.addEventListener("change", () => this.load(false));
    showPage("Allocation",
      h("p", { class: "alloc-controls" }, h("label", { for: "alloc-dimension" }, "By"), this.select,
        h("label", { for: "alloc-account" }, "Account"), this.account,
        h("label", { for: "alloc-cash" }, "New cash to invest"), this.cash),
      this.status, this.summary,
      h("h2", { id: "alloc-rows-h" }, "Current and target"), this.rows,
      h("h2", { id: "alloc-trades-h" }, "Suggested trades"), this.trades,
      h("h2", { id: "alloc-form-h" }, "Targets"), this.form);
    onLive((message) => {
      if (message.type !== "portfolio") return;
      clearTimeout(this.reloading);
      this.reloading = setTimeout(() => this.load(false), RELOAD_DELAY);
    });
    this.start();
  }

  async start() {
    try {
      for (const a of await api.get("/api/v1/accounts")) {
        this.accounts.set(a.id, a.name);
        if (!a.closed_at) this.account.append(option(String(a.id), a.name));
      }
    } catch { /* names and the account choice only */ }
    this.load(true);
  }

  async load(withForm) {
    const params = new URLSearchParams({ dimension: this.dimension });
    const cash = this.cash.value.trim();
    if (cash) params.set("cash", cash);
    if (this.account.value) params.set("account_id", this.account.value);
    let body;
    let targets;
    try {
      [body, targets] = await Promise.all([api.get(`/api/v1/allocation?${params}`),
        withForm ? api.get("/api/v1/allocation/targets") : null]);
    } catch (error) {
      this.cash.setAttribute("aria-invalid", error.fields?.cash ? "true" : "false");
      this.status.replaceChildren(notice("error", `The allocation could not be loaded: ${error.message}`));
      return;
    }
    this.cash.removeAttribute("aria-invalid");
    this.status.replaceChildren();
    this.body = body;
    const shown = JSON.stringify(body); // unchanged: keep the tables as they are
    if (shown !== this.shown || withForm) this.show(body);
    this.shown = shown;
    if (withForm) this.showForm(body, targets);
  }

  label(row) {
    return this.dimension === "asset_class" ? fmt.label(row.label) : row.label;
  }

  show(body) {
    const base = body.base_currency;
    this.summary.dataset.total = body.total_value;
    this.summary.textContent = `Total ${fmt.money(body.total_value, base)}`
      + (body.mode === "buy_only" ? ` · new cash ${fmt.money(body.cash, base)}, buying only` : "")
      + ` · after the trades ${fmt.money(body.total_after, base)}`
      + ` · drift beyond ${fmt.quantity(body.tolerance_percent)} points is marked`;
    const head = h("tr", null, ...["", "Value", "Weight", "Target", "", "Drift (points)",
      "Drift", "After trades"].map((t) => h("th", { scope: "col" }, t)));
    const rows = body.rows.map((r) => h("tr", {
      class: r.outside_tolerance ? "drift-out" : null,
      dataset: { key: r.key, value: r.value, weight: r.weight_percent, target: r.target_percent ?? "",
        drift: r.drift_percent ?? "", driftAmount: r.drift_amount ?? "", after: r.value_after,
        outside: String(r.outside_tolerance) } },
    h("th", { scope: "row" }, this.label(r)),
    cell(fmt.money(r.value, base), true),
    cell(fmt.percent(r.weight_percent, false), true),
    cell(fmt.percent(r.target_percent, false), true),
    h("td", { class: "alloc-bar-cell" }, bar(r.weight_percent, r.target_percent)),
    cell(r.drift_percent === null ? "—" : points.format(r.drift_percent), true),
    cell(fmt.money(r.drift_amount, base, true), true),
    cell(fmt.money(r.value_after, base), true)));
    this.rows.replaceChildren(h("table", { class: "allocation" },
      h("thead", null, head), h("tbody", null, ...rows)));
    if (!body.targets_set) {
      this.trades.replaceChildren(notice("info", "Set targets below to see the trades that reach them."));
      return;
    }
    if (!body.trades.length) {
      this.trades.replaceChildren(notice("info", "Nothing to trade: the portfolio is on target."));
      return;
    }
    const labels = new Map(body.rows.map((r) => [r.key, this.label(r)]));
    const thead = h("tr", null, ...["Action", "Asset", "Account", "Quantity", "Price", "Amount"]
      .map((t) => h("th", { scope: "col" }, t)));
    const trades = body.trades.map((t) => h("tr", { dataset: { key: t.key, kind: t.kind,
      action: t.action, assetId: t.asset_id ?? "", quantity: t.quantity ?? "", amount: t.amount } },
    cell(t.action === "buy" ? "Buy" : "Sell"),
    cell(t.kind === "holding" ? t.symbol : t.kind === "cash" ? `${t.currency} cash`
      : `${labels.get(t.key) || t.key} (nothing held yet)`),
    cell(t.account_id === null ? "—" : this.accounts.get(t.account_id) || `#${t.account_id}`),
    cell(t.quantity === null ? "—" : fmt.quantity(t.quantity), true),
    cell(t.price === null ? "—" : fmt.unitPrice(t.price, t.currency), true),
    cell(fmt.money(t.amount, base), true)));
    this.trades.replaceChildren(h("table", { class: "trades" },
      h("thead", null, thead), h("tbody", null, ...trades)));
  }

  showForm(body, saved) {
    const set = new Map((saved.targets[this.dimension] || []).map((t) => [t.key, t.weight_percent]));
    const labels = new Map(body.rows.map((r) => [r.key, this.label(r)]));
    const keys = [...new Set([...set.keys(), ...body.rows.map((r) => r.key)])];
    this.inputs = keys.map((key, i) => {
      const input = h("input", { id: `alloc-w-${i}`, inputmode: "decimal", class: "weight",
        value: set.get(key) ?? "", placeholder: "0", dataset: { key } });
      return { key: () => key, input, label: labels.get(key) || key };
    });
    const extraKey = h("input", { id: "alloc-new-key", "aria-label": "Key", placeholder: this.dimension === "holding"
      ? "asset id" : this.dimension === "currency" ? "CHF" : "bond", autocomplete: "off" });
    const extraWeight = h("input", { id: "alloc-new-w", inputmode: "decimal", class: "weight",
      placeholder: "0" });
    this.extra = { key: () => extraKey.value.trim(), input: extraWeight, keyInput: extraKey };
    const tolerance = h("input", { id: "alloc-tolerance", inputmode: "decimal", class: "weight",
      value: saved.tolerance_percent });
    this.tolerance = tolerance;
    this.sum = h("span", { id: "alloc-sum" });
    const line = (id, label, input, extra) => h("div", { class: "alloc-target-row" },
      h("label", { for: id }, label), extra, input, h("span", { class: "field-error", id: `${id}-error` }));
    this.form.replaceChildren(
      ...this.inputs.map((t) => line(t.input.id, t.label, t.input)),
      line("alloc-new-w", "Another key ", extraWeight, extraKey),
      line("alloc-tolerance", "Drift tolerance (points)", tolerance),
      h("p", null, "Sum: ", this.sum, " % (the weights of a dimension sum to 100; a key left out has target 0)"),
      this.formStatus,
      h("button", { type: "submit", id: "alloc-save", class: "primary" }, "Save targets"));
    this.form.oninput = () => this.updateSum();
    this.form.onsubmit = (event) => { event.preventDefault(); this.save(); };
    this.updateSum();
  }

  entries() {
    return [...this.inputs, this.extra].filter((t) => t.input.value.trim() !== "" && t.key());
  }

  updateSum() {
    const total = this.entries().reduce((acc, t) => acc + units(t.input.value), 0);
    const whole = Math.trunc(total / 10000);
    const part = String(total % 10000).padStart(4, "0").replace(/0+$/, "");
    this.sum.textContent = Number.isNaN(total) ? "—" : part ? `${whole}.${part}` : String(whole);
  }

  async save() {
    this.formStatus.replaceChildren();
    const sent = this.entries();
    const body = { dimension: this.dimension, tolerance_percent: this.tolerance.value.trim(),
      targets: sent.map((t) => ({ key: t.key(), weight_percent: t.input.value.trim() })) };
    for (const node of this.form.querySelectorAll(".field-error")) node.textContent = "";
    for (const node of this.form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    try {
      await api.request("PUT", "/api/v1/allocation/targets", body);
    } catch (error) {
      this.showErrors(error, sent);
      return;
    }
    this.formStatus.replaceChildren(notice("info", "Targets saved."));
    this.load(true);
  }

  showErrors(error, sent) {
    const left = [];
    for (const [name, reason] of Object.entries(error.fields || {})) {
      const match = /^targets\[(\d+)\]\.(key|weight_percent)$/.exec(name);
      const entry = match ? sent[Number(match[1])] : null;
      const input = name === "tolerance_percent" ? this.tolerance
        : entry && (match[2] === "key" && entry.keyInput ? entry.keyInput : entry.input);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const slot = document.getElementById(`${entry?.input.id || input.id}-error`);
        slot.textContent = [slot.textContent, reason].filter(Boolean).join("; ");
      } else {
        left.push(name === "targets" ? reason : `${name}: ${reason}`);
      }
    }
    this.formStatus.replaceChildren(notice("error", left.length ? left.join(" ") : error.message));
  }
}

export function allocationPage() {
  return new AllocationPage();
}
