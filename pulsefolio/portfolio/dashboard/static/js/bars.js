// A bar chart drawn by hand, with the line chart's value axis, gridlines and tooltip.
// Values are parsed to floats only to size the bars; every figure shown is formatted from the
// server's decimal string.

import { placed, readByKeys, ticks } from "./charts.js";
import { h, s } from "./dom.js";

const WIDTH = 640;
const HEIGHT = 220;
const PAD = 8;

/** Bars of `items` ({label, value (string)}), one per item, zero as the baseline, with a
 * value axis, labels under the bars and a tooltip (pointer or arrow keys) giving each bar's
 * label and value. `formatValue` formats values, `formatTick` the axis labels. */
export function barChart(title, items, formatValue, formatTick = formatValue) {
  const values = items.map((item) => parseFloat(item.value) || 0);
  const grid = ticks(Math.min(0, ...values), Math.max(0, ...values));
  const min = Math.min(0, grid[0]);
  const max = Math.max(grid[grid.length - 1], min + 1e-9);
  const y = (v) => PAD + (1 - (v - min) / (max - min)) * (HEIGHT - 2 * PAD);
  const slot = WIDTH / Math.max(1, items.length);
  const gap = Math.min(slot * 0.2, 6);
  const bars = values.map((v, i) => s("rect", {
    class: v < 0 ? "bar negative" : "bar", x: (i * slot + gap / 2).toFixed(1),
    width: Math.max(1, slot - gap).toFixed(1), y: Math.min(y(v), y(0)).toFixed(1),
    height: Math.abs(y(0) - y(v)).toFixed(1), dataset: { index: String(i) } }));
  const summary = `${title}: ${items.map((item) => `${item.label} ${formatValue(item.value)}`)
    .join(", ")}`;
  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "bar-chart", role: "img",
    "aria-label": summary, preserveAspectRatio: "none" },
  grid.map((v) => s("line", { class: v === 0 ? "grid zero" : "grid", x1: 0, x2: WIDTH,
    y1: y(v).toFixed(1), y2: y(v).toFixed(1) })), bars);
  const top = (v) => `${((y(v) / HEIGHT) * 100).toFixed(2)}%`;
  const centre = (i) => `${(((i + 0.5) * slot) / WIDTH * 100).toFixed(2)}%`;
  const yAxis = h("div", { class: "y-axis", "aria-hidden": "true" }, grid.map((v) =>
    placed(h("span", {}, formatTick(String(v))), { top: top(v) })));
  const every = Math.max(1, Math.ceil(items.length / 8));
  const xAxis = h("div", { class: "x-axis bar-labels", "aria-hidden": "true" },
    items.map((item, i) => (i % every ? null
      : placed(h("span", {}, item.label), { left: centre(i) }))));
  const tip = h("div", { class: "chart-tip", role: "status", hidden: true });
  const plot = h("div", { class: "plot", tabindex: "0",
    "aria-label": `${title}; use the arrow keys to read each bar` }, svg, tip);
  let current = null;
  const show = (i) => {
    current = Math.max(0, Math.min(items.length - 1, i));
    for (const bar of bars) bar.classList.toggle("active", bar.dataset.index === String(current));
    tip.replaceChildren(h("span", { class: "tip-date" }, items[current].label),
      h("strong", { class: "tip-value" }, formatValue(items[current].value)));
    tip.style.left = centre(current);
    tip.classList.toggle("flip", (current + 0.5) / items.length > 0.6);
    tip.hidden = false;
  };
  const hide = () => {
    current = null;
    for (const bar of bars) bar.classList.remove("active");
    tip.hidden = true;
  };
  plot.addEventListener("pointermove", (event) => {
    const box = plot.getBoundingClientRect();
    show(Math.floor(((event.clientX - box.left) / box.width) * items.length));
  });
  readByKeys(plot, items.length, show, hide, () => current);
  return h("figure", { class: "chart wide" }, h("figcaption", {}, title),
    h("div", { class: "chart-body" }, yAxis, plot, xAxis));
}
