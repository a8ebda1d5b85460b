// The HTTP client: bearer tokens, one refresh on 401, errors with their field messages.
// The access token lives only in memory, per tab. The refresh token, as the login answer gives
// it, is kept in localStorage, one for all the tabs of this browser: every refresh rotates it
// and the server signs the whole login out when an old one comes back, so tabs must not each
// keep a copy (a duplicated tab would reuse the original's). Refreshes take a lock shared by
// the tabs (Web Locks), so two never spend the same token. Tokens are never logged.

const REFRESH_KEY = "pulsefolio.refresh";
const REFRESH_LOCK = "pulsefolio.refresh";
const saved = window.localStorage;

// A tab signed in before tokens were shared keeps its login.
if (!saved.getItem(REFRESH_KEY) && sessionStorage.getItem(REFRESH_KEY)) {
  saved.setItem(REFRESH_KEY, sessionStorage.getItem(REFRESH_KEY));
}
sessionStorage.removeItem(REFRESH_KEY);

const session = { access: null, expiresAt: 0, refreshing: null, onLost: () => {} };

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(describe(status, body));
    this.status = status;
    this.body = body;
    this.fields = fieldsOf(body);
    this.retryAfter = retryAfter;
  }

  /** The endpoint does not exist (yet) on this server. */
  get missing() {
    return this.status === 404 || this.status === 405;
  }
}

function describe(status, body) {
  if (body && typeof body.detail === "string") return body.detail;
  if (status === 0) return "The server cannot be reached.";
  return `The server answered ${status}.`;
}

function fieldsOf(body) {
  if (!body) return {};
  if (body.fields && typeof body.fields === "object") return body.fields;
  if (Array.isArray(body.detail)) {
    return Object.fromEntries(body.detail.map((e) => [
      (e.loc || []).filter((p) => p !== "body").join("."), e.msg]));
  }
  return {};
}

function store(pair) {
  session.access = pair.access_token;
  session.expiresAt = Date.now() + (pair.expires_in || 60) * 1000;
  saved.setItem(REFRESH_KEY, pair.refresh_token);
}

export function signedIn() {
  return Boolean(session.access || saved.getItem(REFRESH_KEY));
}

export function onSessionLost(callback) {
  session.onLost = callback;
}

// Signed out in another tab: this one is signed out too.
window.addEventListener("storage", (event) => {
  if (event.key !== REFRESH_KEY || event.newValue || !session.access) return;
  session.access = null;
  session.onLost();
});

/** Run ``task`` holding the tabs' refresh lock (at once where the browser has no Web Locks). */
function withRefreshLock(task) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(REFRESH_LOCK, task);
  return task();
}

async function send(method, path, body, token, extraHeaders) {
  const headers = { Accept: "application/json", ...extraHeaders };
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "omit" });
  } catch {
    throw new ApiError(0, null);
  }
  return response;
}

async function readError(response) {
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  return new ApiError(response.status, body, Number(response.headers.get("Retry-After")) || null);
}

export async function login(email, password) {
  const response = await send("POST", "/api/v1/auth/login", { email, password });
  if (!response.ok) throw await readError(response);
  store(await response.json());
}

/** Set a new password; the answer's tokens carry this tab's sign-in on, as every other
 * sign-in of the user ends. */
export async function changePassword(current, next) {
  store(await request("POST", "/api/v1/me/password",
    { current_password: current, new_password: next }));
}

export async function register(email, password, baseCurrency) {
  const body = { email, password, base_currency: baseCurrency };
  const response = await send("POST", "/api/v1/auth/register", body);
  if (!response.ok) throw await readError(response);
}

/** End every sign-in of the user, this tab's included; the other tabs hear of it by the
 * refresh token's removal. */
export async function endSessions() {
  await request("DELETE", "/api/v1/me/sessions");
  session.access = null;
  saved.removeItem(REFRESH_KEY);
}

export async function logout() {
  const refresh = saved.getItem(REFRESH_KEY);
  session.access = null;
  saved.removeItem(REFRESH_KEY);
  if (refresh) await send("POST", "/api/v1/auth/logout", { refresh_token: refresh }).catch(() => {});
}

/** Trade the refresh token for a new pair; concurrent callers share one request. */
export function refresh() {
  if (!session.refreshing) {
    session.refreshing = withRefreshLock(async () => {
      // read under the lock: another tab may just have rotated it
      const token = saved.getItem(REFRESH_KEY);
      if (!token) throw new ApiError(401, { detail: "not signed in" });
      const response = await send("POST", "/api/v1/auth/refresh", { refresh_token: token });
      if (saved.getItem(REFRESH_KEY) !== token) {
        throw new ApiError(401, { detail: "signed out meanwhile" });
      }
      if (!response.ok) {
        const error = await readError(response);
        if (response.status === 401) {
          session.access = null;
          saved.removeItem(REFRESH_KEY);
          session.onLost();
        }
        throw error;
      }
      store(await response.json());
    }).finally(() => { session.refreshing = null; });
  }
  return session.refreshing;
}

/** A valid access token, refreshed first when it expires within 30 seconds. */
export async function accessToken() {
  if (!session.access || Date.now() > session.expiresAt - 30000) await refresh();
  return session.access;
}

/** Call the API; JSON in and out. Raises ApiError for any non-2xx answer. */
export async function request(method, path, body, { raw = false, headers = {} } = {}) {
  let response = await send(method, path, body, await accessToken(), headers);
  if (response.status === 401) {
    await refresh();
    response = await send(method, path, body, session.access, headers);
  }
  if (!response.ok) throw await readError(response);
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** A fresh Idempotency-Key: the same key on a retry makes the server book a write once. */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export const get = (path) => request("GET", path);
export const post = (path, body, headers) => request("POST", path, body, { headers });
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);
