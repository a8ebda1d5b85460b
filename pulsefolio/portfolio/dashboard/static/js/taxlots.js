// Tax lots: the lots the user's sales closed in a year, with gains gross and net, and the CSV.

import * as api from "./api.js";
import { h, notice, option, showPage } from "./dom.js";
import * as fmt from "./format.js";

const COLUMNS = ["symbol", "account_name", "acquired", "disposed", "quantity", "term",
  "proceeds", "cost", "fees", "gain_gross", "gain_net"];
const MONEY = new Set(["proceeds", "cost", "fees", "gain_gross", "gain_net"]);
const TITLES = { symbol: "Asset", account_name: "Account", acquired: "Acquired",
  disposed: "Disposed", quantity: "Quantity", term: "Term", proceeds: "Proceeds", cost: "Cost",
  fees: "Fees", gain_gross: "Gain, gross", gain_net: "Gain, net" };

function cell(lot, key, base) {
  if (MONEY.has(key)) return fmt.money(lot[key], base, key.startsWith("gain"));
  if (key === "quantity") return fmt.quantity(lot[key]);
  return String(lot[key]);
}

/** Save the CSV that `path` answers as `filename`; a failure is told in `status`. */
export async function download(path, filename, status) {
  try {
    const response = await api.request("GET", path, undefined, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: filename });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    status.replaceChildren(notice("error", `Download failed: ${error.message}`));
  }
}

async function show(year, output, status) {
  status.replaceChildren();
  let report;
  try {
    report = await api.get(`/api/v1/reports/tax-lots?year=${year}`);
  } catch (error) {
    output.replaceChildren(notice("error", `The tax lots could not be loaded: ${error.message}`));
    return;
  }
  const base = report.base_currency;
  const head = h("tr", null, ...COLUMNS.map((key) => h("th", { scope: "col" }, TITLES[key])));
  const rows = report.lots.map((lot) => h("tr", { "data-gain-net": lot.gain_net,
    "data-gain-gross": lot.gain_gross, "data-fees": lot.fees },
  ...COLUMNS.map((key) => h("td", null, cell(lot, key, base)))));
  const t = report.totals;
  const totals = h("p", { class: "totals", "data-gain-net": t.gain_net,
    "data-gain-gross": t.gain_gross, "data-fees": t.fees, "data-lots": String(t.lots) },
  `${t.lots} lots · gain ${fmt.money(t.gain_net, base, true)} net,`
    + ` ${fmt.money(t.gain_gross, base, true)} gross · fees ${fmt.money(t.fees, base)}`);
  output.replaceChildren(totals, h("table", { class: "taxlots" },
    h("thead", null, head), h("tbody", null, ...rows)));
}

export function taxLotsPage() {
  const now = new Date().getUTCFullYear();
  const select = h("select", { id: "taxlots-year" },
    ...Array.from({ length: 12 }, (_, i) => option(String(now - i), String(now - i), i === 0)));
  const output = h("div", { id: "taxlots" });
  const status = h("div", { role: "status" });
  select.addEventListener("change", () => show(select.value, output, status));
  const csv = h("a", { href: "#", id: "taxlots-csv", onclick: (event) => {
    event.preventDefault();
    download(`/api/v1/reports/tax-lots?year=${select.value}&format=csv`,
      `tax-lots-${select.value}.csv`, status);
  } }, "Download CSV");
  showPage("Tax lots", h("p", null, h("label", { for: "taxlots-year" }, "Year "), select, " ", csv),
    status, output);
  show(select.value, output, status);
}
