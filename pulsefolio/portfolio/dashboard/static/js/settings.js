// Settings: the base currency every figure is valued in, the password, personal API tokens.

import * as api from "./api.js";
import { announce, field, h, notice, showFieldErrors, showPage, submit } from "./dom.js";
import * as fmt from "./format.js";

function profileForm(me, saved) {
  const status = h("div", { class: "form-status", role: "status" });
  const currency = h("input", { name: "base_currency", id: "settings-currency", type: "text",
    required: true, maxlength: 3, value: me.base_currency, class: "upper", autocomplete: "off" });
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "profile-h" },
    h("h2", { id: "profile-h" }, "Profile"),
    h("p", null, "Signed in as ", h("strong", { id: "settings-email" }, me.email),
      me.role === "admin" ? " (administrator)" : ""),
    status,
    field("Base currency", currency, "Every total, gain and chart is valued in it."),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { base_currency: currency.value.trim().toUpperCase() };
    const updated = await submit(form, status, () => api.patch("/api/v1/me", body));
    if (!updated) return;
    currency.value = updated.base_currency;
    status.replaceChildren(notice("info", `Figures are now valued in ${updated.base_currency}.`));
    announce(`Base currency ${updated.base_currency}.`);
    saved(updated);
  });
  return form;
}

function passwordForm() {
  const status = h("div", { class: "form-status", role: "status" });
  const input = (name, id, autocomplete) => h("input", { name, id, type: "password",
    required: true, autocomplete, maxlength: 1024 });
  const current = input("current_password", "settings-current", "current-password");
  const next = input("new_password", "settings-new", "new-password");
  const again = input("new_password_again", "settings-again", "new-password");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "password-h" },
    h("h2", { id: "password-h" }, "Password"), status,
    field("Current password", current),
    field("New password", next, "At least 10 characters."),
    field("New password again", again),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Change password")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (next.value !== again.value) {
      status.replaceChildren();
      showFieldErrors(form, { new_password_again: "does not match the new password" });
      return;
    }
    const changed = await submit(form, status,
      () => api.changePassword(current.value, next.value).then(() => true));
    if (!changed) return;
    form.reset();
    status.replaceChildren(notice("info",
      "Password changed. Every other sign-in has ended; this one goes on."));
    announce("Password changed.");
  });
  return form;
}

function sessionsCard(ended) {
  const status = h("div", { class: "form-status", role: "status" });
  const confirm = h("div", { class: "actions", id: "end-sessions-confirm", hidden: true },
    h("button", { type: "button", class: "danger", id: "end-sessions-yes",
      onclick: () => end() }, "Yes, sign out everywhere"),
    h("button", { type: "button", onclick: () => { confirm.hidden = true; ask.hidden = false; } },
      "Cancel"));
  const ask = h("div", { class: "actions" }, h("button", { type: "button", id: "end-sessions",
    onclick: () => { ask.hidden = true; confirm.hidden = false; } }, "Sign out everywhere"));

  async function end() {
    status.replaceChildren();
    try {
      await api.endSessions();
    } catch (error) {
      status.replaceChildren(notice("error", `The sign-ins could not be ended: ${error.message}`));
      return;
    }
    ended();
  }

  return h("section", { class: "card", "aria-labelledby": "sessions-h" },
    h("h2", { id: "sessions-h" }, "Sign-ins"),
    h("p", null, "Lost a device or signed in somewhere you should not have? End every sign-in, "
      + "this one included, at once. Personal API tokens stay; revoke them below."),
    status, ask, confirm);
}

function tokenState(token) {
  if (token.revoked_at) return `revoked ${fmt.date(token.revoked_at)}`;
  if (token.expires_at && Date.parse(token.expires_at) <= Date.now()) return "expired";
  return token.expires_at ? `expires ${fmt.date(token.expires_at)}` : "never expires";
}

function tokensCard() {
  const status = h("div", { class: "form-status", role: "status" });
  const created = h("div", { id: "token-created", "aria-live": "polite" });
  const body = h("tbody", { id: "tokens" });
  const name = h("input", { name: "name", id: "token-name", type: "text", required: true,
    maxlength: 100 });
  const days = h("input", { name: "expires_in_days", id: "token-days", type: "number", min: 1,
    max: 3650, step: 1, inputmode: "numeric" });
  const form = h("form", { class: "inline-form", novalidate: true, "aria-label": "New API token" },
    field("Name", name), field("Days until it expires (empty: never)", days),
    h("button", { type: "submit", class: "primary" }, "Create token"));

  async function load() {
    let tokens;
    try {
      tokens = await api.get("/api/v1/tokens");
    } catch (error) {
      status.replaceChildren(notice("error", `The tokens could not be loaded: ${error.message}`));
      return;
    }
    body.replaceChildren(...tokens.map((t) => h("tr", { "data-token": String(t.id) },
      h("td", null, t.name), h("td", null, fmt.date(t.created_at)),
      h("td", null, t.last_used_at ? fmt.dateTime(t.last_used_at) : "never"),
      h("td", { class: "token-state" }, tokenState(t)),
      h("td", null, t.revoked_at ? "" : h("button", { type: "button", class: "link-button danger",
        onclick: () => revoke(t) }, "Revoke")))));
    if (!tokens.length) {
      body.replaceChildren(h("tr", null, h("td", { colspan: 5 }, "No personal API tokens.")));
    }
  }

  async function revoke(token) {
    status.replaceChildren();
    try {
      await api.del(`/api/v1/tokens/${token.id}`);
    } catch (error) {
      status.replaceChildren(notice("error", `The token could not be revoked: ${error.message}`));
      return;
    }
    announce(`Token ${token.name} revoked.`);
    await load();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const request = { name: name.value.trim() };
    if (days.value) request.expires_in_days = Number(days.value);
    const token = await submit(form, status, () => api.post("/api/v1/tokens", request));
    if (!token) return;
    form.reset();
    created.replaceChildren(notice("info", "Copy the token now: it is not shown again."),
      h("p", null, h("code", { id: "new-token" }, token.token)));
    announce(`Token ${token.name} created.`);
    await load();
  });
  load();
  return h("section", { class: "card", "aria-labelledby": "tokens-h" },
    h("h2", { id: "tokens-h" }, "Personal API tokens"),
    h("p", null, "Scripts send one as ", h("code", null, "Authorization: Bearer pf_…"),
      "; it acts as you until it expires or is revoked."),
    status, form, created,
    h("table", { class: "tokens" }, h("thead", null, h("tr", null,
      ...["Name", "Created", "Last used", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
    body));
}

export function settingsPage(me, saved, ended) {
  showPage("Settings", h("div", { class: "settings" }, profileForm(me, saved), passwordForm()),
    sessionsCard(ended), tokensCard());
}
