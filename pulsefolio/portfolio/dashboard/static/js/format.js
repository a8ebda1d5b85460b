// Number and time formatting with Intl, in the user's locale and base currency.
// Amounts arrive as decimal strings and are handed to Intl as strings, so no float rounding.

const locale = navigator.language || "en-US";
const cache = new Map();

function formatter(key, options) {
  if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(locale, options));
  return cache.get(key);
}

export function money(amount, currency, signed = false) {
  if (amount === null || amount === undefined) return "—";
  const key = `money:${currency}:${signed}`;
  return formatter(key, {
    style: "currency", currency, signDisplay: signed ? "exceptZero" : "auto",
  }).format(amount);
}

/** An axis label: whole units from 100 up, cents below. */
export function axisMoney(amount, currency) {
  const digits = Math.abs(parseFloat(amount)) >= 100 ? 0 : 2;
  return formatter(`axis:${currency}:${digits}`, {
    style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(amount);
}

/** A price per unit: the currency's usual digits, and up to 6 when a price is below a cent. */
export function unitPrice(amount, currency) {
  if (amount === null || amount === undefined) return "—";
  return formatter(`unit:${currency}`, {
    style: "currency", currency, maximumFractionDigits: 6,
  }).format(amount);
}

/** A percent already in percent units ("26.6463" → "26.65%"). */
export function percent(value, signed = true) {
  if (value === null || value === undefined) return "—";
  return formatter(`pct:${signed}`, {
    style: "unit", unit: "percent", maximumFractionDigits: 2, minimumFractionDigits: 2,
    signDisplay: signed ? "exceptZero" : "auto",
  }).format(value);
}

/** A fraction ("0.0523" → "5.23%"). */
export function fraction(value) {
  if (value === null || value === undefined) return "—";
  return formatter("frac", {
    style: "percent", maximumFractionDigits: 2, minimumFractionDigits: 2, signDisplay: "exceptZero",
  }).format(value);
}

export function quantity(value) {
  if (value === null || value === undefined) return "—";
  return formatter("qty", { maximumFractionDigits: 8 }).format(value);
}

export function number(value) {
  return formatter("num", { maximumFractionDigits: 0 }).format(value);
}

const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });

/** "5 min. ago" for an ISO time. */
export function age(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return relative.format(seconds, "second");
  if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
  return relative.format(Math.round(seconds / 86400), "day");
}

export function seconds(value) {
  if (value === null || value === undefined) return "—";
  const abs = Math.abs(value);
  if (abs < 120) return `${Math.round(value)} s`;
  if (abs < 7200) return `${Math.round(value / 60)} min`;
  if (abs < 172800) return `${Math.round(value / 3600)} h`;
  return `${Math.round(value / 86400)} d`;
}

export function dateTime(iso) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar day of `iso`: a date alone ("2026-01-05") is that day wherever the reader is,
 * and so is a moment at exactly midnight UTC (a row imported with a date only). */
export function date(iso) {
  if (!iso) return "—";
  const at = new Date(DATE_ONLY.test(iso) ? `${iso}T00:00:00Z` : iso);
  const midnightUtc = at.getTime() % 86400000 === 0;
  return at.toLocaleDateString(locale, { dateStyle: "medium",
    ...(midnightUtc ? { timeZone: "UTC" } : {}) });
}

export function time(value = new Date()) {
  return value.toLocaleTimeString(locale, { timeStyle: "medium" });
}

/** "up", "down" or "" for a signed decimal string, to colour gains and losses. */
export function trend(value) {
  if (value === null || value === undefined) return "";
  const text = String(value).trim();
  if (text.startsWith("-")) return "down";
  return /[1-9]/.test(text) ? "up" : "";
}

const ACRONYMS = new Set(["etf", "fifo"]);

/** A readable label for a key such as "mutual_fund" or "etf". */
export function label(key) {
  const text = String(key);
  if (ACRONYMS.has(text.toLowerCase())) return text.toUpperCase();
  return text.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}
