// Small DOM helpers: build elements without innerHTML, announce changes to screen readers.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else if (key === "text") {
      node.textContent = value;
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: h("button", {type: "button", onclick: fn}, "Save"). */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element, same call shape as h(). */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function main() {
  return document.getElementById("main");
}

/** Replace the page content, move focus to its heading for keyboard and screen reader users. */
export function showPage(title, ...content) {
  const heading = h("h1", { tabindex: "-1" }, title);
  clear(main()).append(heading, ...content);
  document.title = `${title} · Pulsefolio`;
  heading.focus();
  return heading;
}

export function announce(message) {
  const region = document.getElementById("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

/** A message box; kind is "error", "info" or "warn". */
export function notice(kind, text) {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

/** Briefly highlight a changed element. */
export function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restart the animation
  node.classList.add("flash");
  setTimeout(() => node.classList.remove("flash"), 1600);
}

/** A labelled form field; the error slot sits under the input, linked by aria-describedby. */
export function field(label, input, hint) {
  const id = input.id || `f-${input.name}-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  const error = h("span", { class: "field-error", id: `${id}-error` });
  input.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field", dataset: { field: input.name } },
    h("label", { for: id }, label), input, hint ? h("span", { class: "hint" }, hint) : null, error);
}

/** Show `errors` ({field name: reason}) next to the fields of `form`; returns the reasons
 * that have no field in the form, so the caller can show them above it. */
export function showFieldErrors(form, errors) {
  clearFieldErrors(form);
  const leftover = [];
  let first = null;
  for (const [name, reason] of Object.entries(errors || {})) {
    const key = name.split(".").pop();
    const input = form.elements.namedItem(key);
    if (input && input.id) {
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`${input.id}-error`).textContent = reason;
      first = first || input;
    } else {
      leftover.push(`${name}: ${reason}`);
    }
  }
  if (first) first.focus();
  return leftover;
}

export function clearFieldErrors(form) {
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
}

export function option(value, label, selected) {
  return h("option", { value, selected: selected ? true : null }, label ?? value);
}

/** Show an ApiError from submitting `form`: reasons beside their fields, the rest (or `text`,
 * or the error's own message) in `status`. */
export function reportError(form, status, error, text) {
  const left = showFieldErrors(form, error.fields);
  if (left.length || !Object.keys(error.fields || {}).length) {
    status.replaceChildren(notice("error", [text || error.message, ...left].join(" ")));
  }
}

/** Submit `form` with `send()`; field errors go next to fields, the rest into `status`.
 * Returns what `send()` answered, or null when it failed. */
export async function submit(form, status, send) {
  clearFieldErrors(form);
  status.replaceChildren();
  try {
    return await send();
  } catch (error) {
    reportError(form, status, error);
    return null;
  }
}
