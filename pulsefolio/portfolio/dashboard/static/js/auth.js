// Sign in and sign up, with plain messages for wrong credentials and rate limiting.

import * as api from "./api.js";
import { clearFieldErrors, field, h, notice, option, reportError, showFieldErrors, showPage } from "./dom.js";

const CURRENCIES = ["USD", "EUR", "CHF", "GBP", "JPY", "CAD", "AUD", "INR", "SEK", "NOK", "DKK"];

function loginMessage(error) {
  if (error.status === 401) return "Wrong e-mail or password.";
  if (error.status === 409) return "An account with this e-mail already exists.";
  if (error.status === 429) {
    const wait = error.retryAfter ? ` in ${error.retryAfter} seconds` : " later";
    return `Too many sign-in attempts. Try again${wait}.`;
  }
  if (error.status === 0) return "The server cannot be reached. Check your connection.";
  return error.message;
}

function input(name, type, attrs = {}) {
  return h("input", { name, type, required: true, ...attrs });
}

/** A sign-in or sign-up form; `send(email, password)` does the work, then `done()` runs. */
function authPage({ id, title, fields, submit, footer, message, send, done }) {
  const status = h("div", { class: "form-status" }, message ? notice("info", message) : null);
  const form = h("form", { class: "card auth-form", novalidate: true, "aria-labelledby": id },
    h("h2", { id }, title), status,
    field("E-mail", input("email", "email", { autocomplete: "username", id: `${id}-email` })),
    ...fields,
    h("button", { type: "submit", class: "primary" }, submit), footer);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    status.replaceChildren();
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    if (!email || !password) {
      showFieldErrors(form, { ...(!email && { email: "Enter your e-mail." }),
        ...(!password && { password: "Enter your password." }) });
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await send(email, password);
      done();
    } catch (error) {
      reportError(form, status, error, loginMessage(error));
      form.elements.password.select();
    } finally {
      button.disabled = false;
    }
  });
  showPage("Welcome to Pulsefolio", form);
  form.elements.email.focus();
}

/** The sign-in page; `done` runs once signed in. */
export function signInPage(done, message) {
  authPage({ id: "signin", title: "Sign in", submit: "Sign in", message, done,
    fields: [field("Password", input("password", "password",
      { autocomplete: "current-password", id: "signin-password" }))],
    footer: h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")),
    send: (email, password) => api.login(email, password) });
}

export function signUpPage(done) {
  const currency = h("select", { name: "base_currency" },
    CURRENCIES.map((c) => option(c, c, c === "USD")));
  authPage({ id: "signup", title: "Create an account", submit: "Create account", done,
    fields: [field("Password", input("password", "password",
      { autocomplete: "new-password", minlength: 10 }), "At least 10 characters."),
    field("Base currency", currency, "Your portfolio is valued in this currency.")],
    footer: h("p", {}, "Have an account? ", h("a", { href: "#/signin" }, "Sign in")),
    send: async (email, password) => {
      await api.register(email, password, currency.value);
      await api.login(email, password);
    } });
}
