// SVG charts drawn by hand: a donut for allocations, lines for values and returns over time.
// Numbers are parsed to floats only to place shapes; every figure shown is formatted from
// the server's decimal string.

import { h, s } from "./dom.js";

const PALETTE = ["#1f5fbf", "#e0823d", "#3a9d5d", "#b8434f", "#7a5cc2", "#2b9ba8", "#c2a032",
  "#6b7280", "#d16ba5", "#5a8f29"];

function arc(cx, cy, r, start, end) {
  const large = end - start > Math.PI ? 1 : 0;
  const x1 = cx + r * Math.sin(start);
  const y1 = cy - r * Math.cos(start);
  const x2 = cx + r * Math.sin(end);
  const y2 = cy - r * Math.cos(end);
  return `M ${x1} ${y1} A ${r} ${r} 0 ${large} 1 ${x2} ${y2}`;
}

/** A donut of `slices` ({label, value (formatted), weight (percent string)}), with a legend. */
export function donut(title, slices) {
  const svg = s("svg", { viewBox: "0 0 120 120", class: "donut", role: "img",
    "aria-label": `${title}: ${slices.map((x) => `${x.label} ${x.share}`).join(", ")}` });
  const total = slices.reduce((sum, x) => sum + Math.max(0, parseFloat(x.weight) || 0), 0) || 1;
  let angle = 0;
  slices.forEach((slice, i) => {
    const part = (Math.max(0, parseFloat(slice.weight) || 0) / total) * 2 * Math.PI;
    const colour = PALETTE[i % PALETTE.length];
    if (part >= 2 * Math.PI - 1e-6) {
      svg.append(s("circle", { cx: 60, cy: 60, r: 45, fill: "none", stroke: colour,
        "stroke-width": 22 }));
    } else if (part > 0) {
      svg.append(s("path", { d: arc(60, 60, 45, angle, angle + part), fill: "none",
        stroke: colour, "stroke-width": 22 }));
    }
    angle += part;
  });
  const legend = h("ul", { class: "legend" }, slices.map((slice, i) =>
    h("li", {}, h("span", { class: `swatch c${i % PALETTE.length}`, "aria-hidden": "true" }),
      h("span", { class: "legend-label" }, slice.label),
      h("span", { class: "legend-value" }, `${slice.value} · ${slice.share}`))));
  return h("figure", { class: "chart" }, h("figcaption", {}, title), svg, legend);
}

/** Round values from at or below `min` to at or above `max`, about `count` steps apart (1, 2
 * or 5 times a power of ten). */
export function ticks(min, max, count = 4) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw);
  const out = [];
  const last = Math.ceil(max / step - 1e-9) * step;
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step / 2; v += step) {
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

/** Position through the CSSOM: the policy refuses style attributes, not style properties. */
export function placed(node, where) {
  Object.assign(node.style, where);
  return node;
}

/** Hide the read-out as the pointer or focus leaves `plot`; the arrow keys, Home and End move
 * it over `count` items (`show(i)`), from `current()` (null: from the last). */
export function readByKeys(plot, count, show, hide, current) {
  plot.addEventListener("pointerleave", hide);
  plot.addEventListener("blur", hide);
  plot.addEventListener("keydown", (event) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const from = current() === null ? count - 1 : current();
    show(Number.isFinite(step) ? from + step : (step < 0 ? 0 : count - 1));
  });
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = 8;

/** A line chart of `points` ({date, value (string)}) with a value axis, date labels, gridlines
 * and a tooltip (pointer or arrow keys) giving each point's date and value. `formatValue`
 * formats values; `formatTick` the axis labels (default: formatValue). */
export function lineChart(title, points, formatValue, formatDate, formatTick = formatValue) {
  return linesChart(title, points.map((p) => p.date), [{ values: points.map((p) => p.value) }],
    formatValue, formatDate, formatTick);
}

/** The SVG path of `values` (null: a gap) placed by `x` and `y`. */
function trace(values, x, y) {
  let pen = "M";
  const parts = [];
  values.forEach((v, i) => {
    if (v === null) {
      pen = "M";
      return;
    }
    parts.push(`${pen} ${x(i).toFixed(1)} ${y(v).toFixed(1)}`);
    pen = "L";
  });
  return parts.join(" ");
}

const known = (values) => values.filter((v) => v !== null);

/** A chart of `lines` ({label, values: decimal strings, null where a line has no value}) over
 * `dates`, drawn as lineChart draws one: a lone line has a filled area; two or more have a
 * legend, and the tooltip gives each line's value on the day. */
export function linesChart(title, dates, lines, formatValue, formatDate, formatTick = formatValue) {
  const series = lines.map((line) => line.values.map((v) => (v === null || v === undefined
    ? null : parseFloat(v))));
  const all = known(series.flat());
  const low = Math.min(...all);
  const high = Math.max(...all);
  const grid = ticks(low, high);
  const min = Math.min(low, grid[0]);
  const max = Math.max(high, grid[grid.length - 1]);
  const span = max - min || Math.abs(max) || 1;
  const fx = (i) => i / Math.max(1, dates.length - 1);
  const fy = (v) => 1 - (v - min) / span;
  const x = (i) => fx(i) * WIDTH;
  const y = (v) => PAD + fy(v) * (HEIGHT - 2 * PAD);
  const paths = series.map((values) => trace(values, x, y));
  const single = lines.length === 1;
  const first = dates[0];
  const last = dates[dates.length - 1];
  const ends = (line, k) => {
    const given = known(line.values);
    const values = known(series[k]);
    return `${line.label ? `${line.label} ` : ""}from ${formatValue(given[0])} to `
      + `${formatValue(given[given.length - 1])}, low ${formatValue(String(Math.min(...values)))}, `
      + `high ${formatValue(String(Math.max(...values)))}`;
  };
  const summary = single
    ? `${title}: from ${formatValue(lines[0].values[0])} on ${formatDate(first)} `
      + `to ${formatValue(lines[0].values[dates.length - 1])} on ${formatDate(last)}, `
      + `low ${formatValue(String(low))}, high ${formatValue(String(high))}`
    : `${title}, ${formatDate(first)} to ${formatDate(last)}: `
      + lines.filter((line) => known(line.values).length).map(ends).join("; ");
  const cursor = s("line", { class: "cursor", x1: 0, x2: 0, y1: 0, y2: HEIGHT, visibility: "hidden" });
  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "line-chart", role: "img",
    "aria-label": summary, preserveAspectRatio: "none" },
  grid.map((v) => s("line", { class: "grid", x1: 0, x2: WIDTH, y1: y(v).toFixed(1),
    y2: y(v).toFixed(1) })),
  single ? s("path", { d: `${paths[0]} L ${WIDTH} ${HEIGHT} L 0 ${HEIGHT} Z`, class: "area" }) : null,
  paths.map((d, k) => s("path", { d, class: k ? `line l${k}` : "line", fill: "none" })),
  cursor);
  const top = (v) => `${((y(v) / HEIGHT) * 100).toFixed(2)}%`;
  const yAxis = h("div", { class: "y-axis", "aria-hidden": "true" }, grid.map((v) =>
    placed(h("span", {}, formatTick(String(v))), { top: top(v) })));
  const labelAt = [...new Set([0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * (dates.length - 1))))];
  const xAxis = h("div", { class: "x-axis", "aria-hidden": "true" }, labelAt.map((i, n) =>
    placed(h("span", { class: n % 2 ? "minor" : null }, formatDate(dates[i])),
      { left: `${(fx(i) * 100).toFixed(2)}%` })));
  const dots = lines.map((_, k) => h("span", { class: k ? `dot l${k}` : "dot", hidden: true }));
  const tip = h("div", { class: "chart-tip", role: "status", hidden: true });
  const plot = h("div", { class: "plot", tabindex: "0",
    "aria-label": `${title}; use the arrow keys to read each day` }, svg, ...dots, tip);
  let current = null;
  const show = (i) => {
    current = Math.max(0, Math.min(dates.length - 1, i));
    const left = `${(fx(current) * 100).toFixed(2)}%`;
    cursor.setAttribute("x1", x(current).toFixed(1));
    cursor.setAttribute("x2", x(current).toFixed(1));
    cursor.setAttribute("visibility", "visible");
    dots.forEach((dot, k) => {
      const v = series[k][current];
      dot.hidden = v === null;
      if (v !== null) Object.assign(dot.style, { left, top: top(v) });
    });
    const value = (k) => formatValue(lines[k].values[current] ?? null);
    tip.replaceChildren(h("span", { class: "tip-date" }, formatDate(dates[current])),
      ...(single ? [h("strong", { class: "tip-value" }, value(0))]
        : lines.map((line, k) => h("span", { class: "tip-row" }, h("span", {}, line.label),
          h("strong", { class: "tip-value", dataset: { line: String(k) } }, value(k))))));
    tip.style.left = left;
    tip.classList.toggle("flip", fx(current) > 0.6);
    tip.hidden = false;
  };
  const hide = () => {
    current = null;
    cursor.setAttribute("visibility", "hidden");
    for (const dot of dots) dot.hidden = true;
    tip.hidden = true;
  };
  plot.addEventListener("pointermove", (event) => {
    const box = plot.getBoundingClientRect();
    show(Math.round(((event.clientX - box.left) / box.width) * (dates.length - 1)));
  });
  readByKeys(plot, dates.length, show, hide, () => current);
  const legend = single ? null : h("ul", { class: "legend inline" }, lines.map((line, k) =>
    h("li", {}, h("span", { class: `swatch l${k}`, "aria-hidden": "true" }), line.label)));
  return h("figure", { class: "chart wide" }, h("figcaption", {}, title), legend,
    h("div", { class: "chart-body" }, yAxis, plot, xAxis),
    h("p", { class: "chart-range" }, h("span", {}, formatDate(first)),
      h("span", {}, `Low ${formatValue(String(low))} · high ${formatValue(String(high))}`),
      h("span", {}, formatDate(last))));
}

/** A line chart, or a short note where fewer than two points leave nothing to draw. */
export function historyChart(title, points, formatValue, formatDate, formatTick, note) {
  if (points.length >= 2) return lineChart(title, points, formatValue, formatDate, formatTick);
  const only = points[0];
  return h("div", { class: "chart-empty" }, h("p", {}, note),
    only ? h("p", { class: "muted" }, `${formatDate(only.date)}: ${formatValue(only.value)}`) : null);
}
