// CSV import: preview with a per-row error report, then all rows or none.

import * as api from "./api.js";
import { field, h, notice, option, showPage } from "./dom.js";
import * as fmt from "./format.js";
import { loadAccounts } from "./accounts.js";

const HEADER = "date,symbol,type,quantity,price,fee,currency,account";
const COLUMNS = ["row", "date", "type", "symbol", "quantity", "price", "fee", "amount", "currency",
  "account"];

function errorTable(errors) {
  return h("div", { class: "table-scroll" }, h("table", { class: "import-errors", id: "import-errors" },
    h("caption", {}, `${errors.length} problem${errors.length === 1 ? "" : "s"} found`),
    h("thead", {}, h("tr", {}, ["Row", "Field", "Problem"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, errors.map((e) => h("tr", { dataset: { row: e.row } },
      h("td", {}, e.row === 0 ? "file" : String(e.row)), h("td", {}, e.field), h("td", {}, e.reason))))));
}

function rowTable(rows, errors) {
  const bad = new Set(errors.map((e) => e.row));
  const cell = (row, key) => {
    const value = row[key];
    if (value === null || value === undefined) return "";
    return ["quantity", "price", "fee", "amount"].includes(key) ? fmt.quantity(value) : String(value);
  };
  return h("div", { class: "table-scroll" }, h("table", { class: "import-rows", id: "import-rows" },
    h("caption", {}, `${rows.length} row${rows.length === 1 ? "" : "s"} read`),
    h("thead", {}, h("tr", {}, ...COLUMNS.map((c) => h("th", { scope: "col" }, fmt.label(c))),
      h("th", { scope: "col" }, ""))),
    h("tbody", {}, rows.map((row) => h("tr",
      { class: bad.has(row.row) ? "bad" : row.booked ? "booked" : null, dataset: { row: row.row } },
      ...COLUMNS.map((c) => h("td", {}, cell(row, c))),
      h("td", { class: "booked-mark" }, row.booked ? "already booked" : ""))))));
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What the preview's rows already booked will become. */
function bookedNote(count, skipped) {
  if (!count) return "";
  return skipped ? ` ${plural(count, "row")} already booked will be left out.`
    : ` ${plural(count, "row")} already booked will be booked again.`;
}

export async function importPage() {
  const status = h("div", { class: "form-status", id: "import-status" });
  const report = h("div", { class: "import-report", id: "import-report" });
  const account = h("select", { name: "account_id" });
  const format = h("select", { name: "format" }, option("csv", "CSV (Pulsefolio)"),
    option("ghostfolio", "Ghostfolio export (JSON)"));
  const file = h("input", { name: "file", type: "file", accept: ".csv,.json,text/csv,application/json" });
  const content = h("textarea", { name: "content", rows: 8, spellcheck: "false",
    placeholder: `${HEADER}\n2026-01-05,AAPL,BUY,10,180.50,1.00,USD,` });
  const skipBooked = h("input", { type: "checkbox", name: "skip_booked", id: "import-skip-booked",
    checked: true });
  const importButton = h("button", { type: "button", class: "primary", disabled: true,
    id: "import-confirm" }, "Import all rows");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "import-h" },
    h("h2", { id: "import-h" }, "Import transactions"),
    h("p", { class: "muted" }, "Columns, in any order: ", h("code", {}, HEADER),
      " (amount and note too). Rows without an account go to the default account. "
      + "Either every row is imported or none."),
    h("div", { class: "grid" }, field("Default account", account), field("Format", format),
      field("File", file)),
    field("Or paste the file's text", content),
    h("label", { class: "check" }, skipBooked, " Leave out rows the account already holds "
      + "(the same type, asset, date, quantity, price, fee and amount): a file imported again"),
    h("div", { class: "actions" },
      h("button", { type: "submit", id: "import-preview" }, "Preview"), importButton),
    status);
  showPage("Import", form, report);

  try {
    const accounts = await loadAccounts();
    account.replaceChildren(...accounts.map((a) => option(a.id, `${a.name} (${a.currency})`)));
    if (!accounts.length) status.replaceChildren(notice("warn", "Create an account first."));
  } catch (error) {
    status.replaceChildren(notice("error", `Accounts could not be loaded: ${error.message}`));
  }
  let key = null; // one Idempotency-Key per previewed import, kept for its retries
  const stale = () => {
    importButton.disabled = true;
    key = null;
  };
  file.addEventListener("change", async () => {
    stale();
    if (file.files.length) content.value = await file.files[0].text();
    stale();
  });
  content.addEventListener("input", stale);
  account.addEventListener("change", stale);
  format.addEventListener("change", stale);
  skipBooked.addEventListener("change", stale);

  const body = () => ({ format: format.value, content: content.value,
    account_id: account.value ? Number(account.value) : null, skip_booked: skipBooked.checked });
  const unavailable = (error) => notice(error.missing ? "warn" : "error", error.missing
    ? "Import is not available on this server yet." : error.message);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    stale();
    report.replaceChildren();
    if (!content.value.trim()) {
      status.replaceChildren(notice("error", "Choose a file or paste its text first."));
      return;
    }
    status.replaceChildren(notice("info", "Checking…"));
    try {
      const sent = JSON.stringify(body());
      const preview = await api.post("/api/v1/imports/preview", body());
      if (JSON.stringify(body()) !== sent) { // changed while checking: preview again
        status.replaceChildren(notice("warn", "The file or a choice changed: preview again."));
        return;
      }
      const booked = bookedNote(preview.rows.filter((r) => r.booked).length, skipBooked.checked);
      status.replaceChildren(preview.ok
        ? notice("info", `All ${preview.rows.length} rows are valid.${booked} `
          + "Nothing is saved until you import.")
        : notice("error", "Fix the rows below and preview again; nothing was imported."));
      report.replaceChildren(...(preview.errors.length ? [errorTable(preview.errors)] : []),
        rowTable(preview.rows, preview.errors));
      importButton.disabled = !preview.ok;
      key = preview.ok ? api.newKey() : null;
    } catch (error) {
      status.replaceChildren(unavailable(error));
    }
  });

  importButton.addEventListener("click", async () => {
    if (!key) return;
    importButton.disabled = true;
    const sentKey = key;
    try {
      const result = await api.post("/api/v1/imports", body(), { "Idempotency-Key": sentKey });
      const left = result.skipped_rows?.length
        ? ` ${plural(result.skipped_rows.length, "row")} already booked left out.` : "";
      status.replaceChildren(notice("info", `${result.imported} transactions imported.${left}`));
      report.replaceChildren();
    } catch (error) {
      const errors = error.body?.errors;
      status.replaceChildren(errors ? notice("error", `Nothing was imported: ${error.message}`)
        : unavailable(error));
      if (errors) report.replaceChildren(errorTable(errors));
      // the answer may have been lost: the same import may be tried again with the same key
      else if (key === sentKey) importButton.disabled = false;
    }
  });
}
