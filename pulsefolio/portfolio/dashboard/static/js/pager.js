// Paging controls: "Previous", "Page 2 of 8 · 197 rows", "Next"; the caller draws the rows.

import { h } from "./dom.js";

export class Pager {
  /** `onPage(index)` runs with the 0-based page asked for. */
  constructor(id, onPage) {
    this.index = 0;
    this.pages = 1;
    this.label = h("span", { class: "pager-label", id: `${id}-label`, "aria-live": "polite" });
    this.previous = h("button", { type: "button", class: "pager-previous",
      onclick: () => onPage(this.index - 1) }, "Previous");
    this.next = h("button", { type: "button", class: "pager-next",
      onclick: () => onPage(this.index + 1) }, "Next");
    this.element = h("nav", { class: "pager", id, "aria-label": "Pages" },
      this.previous, this.label, this.next);
  }

  /** Show page `index` of `pages`, holding `total` rows (`noun` names them). */
  update(index, pages, total, noun = "rows") {
    this.index = index;
    this.pages = Math.max(1, pages);
    this.label.textContent = `Page ${index + 1} of ${this.pages} · ${total} ${noun}`;
    this.previous.disabled = index <= 0;
    this.next.disabled = index >= this.pages - 1;
  }
}
