// SVG charts drawn by hand: a donut for allocations, a line for value over time.
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

/** A line chart of `points` ({date, value (string)}); `formatValue` formats axis labels. */
export function lineChart(title, points, formatValue, formatDate) {
  const width = 640;
  const height = 220;
  const pad = { left: 4, right: 4, top: 8, bottom: 4 };
  const values = points.map((p) => parseFloat(p.value));
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || Math.abs(max) || 1;
  const x = (i) => pad.left + (i / Math.max(1, points.length - 1)) * (width - pad.left - pad.right);
  const y = (v) => pad.top + (1 - (v - min) / span) * (height - pad.top - pad.bottom);
  const line = values.map((v, i) => `${i ? "L" : "M"} ${x(i).toFixed(1)} ${y(v).toFixed(1)}`)
    .join(" ");
  const area = `${line} L ${x(values.length - 1).toFixed(1)} ${height - pad.bottom} `
    + `L ${x(0).toFixed(1)} ${height - pad.bottom} Z`;
  const first = points[0];
  const last = points[points.length - 1];
  const summary = `${title}: from ${formatValue(first.value)} on ${formatDate(first.date)} `
    + `to ${formatValue(last.value)} on ${formatDate(last.date)}, `
    + `low ${formatValue(String(min))}, high ${formatValue(String(max))}`;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "line-chart", role: "img",
    "aria-label": summary, preserveAspectRatio: "none" },
  s("path", { d: area, class: "area" }),
  s("path", { d: line, class: "line", fill: "none" }));
  points.forEach((p, i) => {
    if (p.carried_forward) return;
    const dot = s("circle", { cx: x(i).toFixed(1), cy: y(values[i]).toFixed(1), r: 6,
      class: "hit" }, s("title", {}, `${formatDate(p.date)}: ${formatValue(p.value)}`));
    svg.append(dot);
  });
  return h("figure", { class: "chart wide" }, h("figcaption", {}, title), svg,
    h("p", { class: "chart-range" }, h("span", {}, formatDate(first.date)),
      h("span", {}, `Low ${formatValue(String(min))} · high ${formatValue(String(max))}`),
      h("span", {}, formatDate(last.date))));
}
