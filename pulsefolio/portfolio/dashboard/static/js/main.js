// Start-up and routing: signed out shows sign-in; signed in shows the page named in the hash.

import { accountsPage } from "./accounts.js";
import { adminPage } from "./admin.js";
import { allocationPage } from "./allocation.js";
import * as api from "./api.js";
import { signInPage, signUpPage } from "./auth.js";
import { benchmarkPage } from "./benchmark.js";
import { notice, showPage } from "./dom.js";
import { holdingPage } from "./holding.js";
import { importPage } from "./imports.js";
import { incomePage } from "./income.js";
import { LiveStream } from "./live.js";
import { leaveOverview, liveMessage, overviewPage } from "./overview.js";
import { clearLive, dispatchLive } from "./pagelive.js";
import { settingsPage } from "./settings.js";
import { transactionsPage } from "./transactions.js";
import { taxLotsPage } from "./taxlots.js";

const state = { me: null, live: new LiveStream((m) => { liveMessage(m); dispatchLive(m); }) };

const PAGES = {
  overview: () => overviewPage(),
  accounts: () => accountsPage(state.me),
  import: () => importPage(),
  transactions: () => transactionsPage(),
  holding: () => holdingPage(),
  benchmark: () => benchmarkPage(),
  taxlots: () => taxLotsPage(),
  income: () => incomePage(),
  allocation: () => allocationPage(),
  settings: () => settingsPage(state.me, (me) => { state.me = me; }, () => {
    history.pushState(null, "", "#/signin");
    signedOut("You are signed out everywhere.");
  }),
  admin: () => (state.me.role === "admin" ? adminPage()
    : showPage("Admin", notice("error", "This page is for administrators."))),
};

/** The page named by a "#/name" hash; any other hash (such as the skip link's) is no route. */
function routeName() {
  if (!location.hash.startsWith("#/")) return "overview";
  return location.hash.slice(2).split("?")[0] || "overview";
}

function showSession(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("session").hidden = !signedIn;
  document.getElementById("nav-admin").hidden = !(signedIn && state.me?.role === "admin");
  const email = document.getElementById("user-email");
  email.textContent = signedIn ? state.me.email : "";
  email.setAttribute("aria-label", signedIn ? `Settings of ${state.me.email}` : "Settings");
}

function signedOut(message) {
  state.me = null;
  state.live.stop();
  leaveOverview();
  clearLive();
  showSession(false);
  if (routeName() === "signup") signUpPage(afterSignIn);
  else signInPage(afterSignIn, message);
}

async function afterSignIn() {
  try {
    state.me = await api.get("/api/v1/me");
  } catch (error) {
    signedOut(error.status === 401 ? "Your session has ended. Please sign in again." : error.message);
    return;
  }
  showSession(true);
  state.live.start();
  if (["signin", "signup"].includes(routeName())) location.hash = "#/overview";
  else route();
}

function route() {
  const name = routeName();
  if (!state.me) {
    signedOut();
    return;
  }
  if (name !== "overview") leaveOverview();
  clearLive();
  for (const link of document.querySelectorAll("header a[data-route]")) {
    if (link.dataset.route === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  (PAGES[name] || PAGES.overview)();
}

api.onSessionLost(() => signedOut("Your session has ended. Please sign in again."));
window.addEventListener("hashchange", () => {
  if (!location.hash || location.hash.startsWith("#/")) route();
});
document.querySelector("a.skip").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});
document.getElementById("sign-out").addEventListener("click", async () => {
  await api.logout();
  history.pushState(null, "", "#/signin"); // no hashchange, which would redraw without the message
  signedOut("You are signed out.");
});

if (api.signedIn()) afterSignIn();
else signedOut();
