// The live stream: one WebSocket per signed-in tab, reconnecting with backoff after a drop,
// with a fresh access token for each attempt. The server pings a quiet stream every
// heartbeat_seconds (its snapshot says how often; 15 s by default), so a socket silent for 2.5
// of them is dead (a sleeping laptop, a changed network) and is replaced.

import * as api from "./api.js";

const MAX_DELAY = 30000;
const SILENCE_BEATS = 2.5;
const DEFAULT_SILENCE = 40000; // until a snapshot says how often the server pings

export class LiveStream {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.watchdog = null;
    this.stopped = true;
    this.run = 0; // bumped by start and stop: a connect() of an earlier run gives up
    this.lastMessage = 0;
    this.silenceLimit = DEFAULT_SILENCE;
  }

  start() {
    this.stopped = false;
    this.run += 1;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    this.attempt = 0;
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.run += 1;
    clearTimeout(this.timer);
    clearInterval(this.watchdog);
    this.watchdog = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000);
    setStatus("Offline", "off");
  }

  async connect() {
    const run = this.run;
    if (this.stopped) return;
    setStatus(this.attempt ? "Reconnecting…" : "Connecting…", "wait");
    let token;
    try {
      // A failed handshake may mean an expired token: take a fresh one after a failure.
      if (this.attempt > 0) await api.refresh();
      if (this.stopped || run !== this.run) return;
      token = await api.accessToken();
    } catch (error) {
      if (this.stopped || run !== this.run) return;
      if (error.status === 401) return; // signed out; main.js shows the sign-in page
      this.retry();
      return;
    }
    if (this.stopped || run !== this.run) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/api/v1/portfolio/stream`
      + `?access_token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.lastMessage = Date.now();
    this.watch();
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.lastMessage = Date.now();
      setStatus("Live", "on");
    });
    socket.addEventListener("message", (event) => {
      if (this.socket !== socket) return;
      this.lastMessage = Date.now();
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.type === "snapshot" && message.heartbeat_seconds > 0) {
        this.silenceLimit = SILENCE_BEATS * message.heartbeat_seconds * 1000;
      }
      if (message.type !== "ping") this.onMessage(message);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (!this.stopped) this.retry();
    });
  }

  /** Replace the socket once nothing (not even a ping) has come for the silence limit. */
  watch() {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      const socket = this.socket;
      if (!socket || Date.now() - this.lastMessage < this.silenceLimit) return;
      this.socket = null; // a dead connection may take minutes to report its close
      socket.close();
      this.retry();
    }, 1000);
  }

  retry() {
    this.attempt += 1;
    const base = Math.min(MAX_DELAY, 1000 * 2 ** (this.attempt - 1));
    const delay = base / 2 + Math.random() * base / 2;
    setStatus(`Disconnected · retrying in ${Math.ceil(delay / 1000)} s`, "off");
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}

function setStatus(text, state) {
  const node = document.getElementById("live-status");
  if (!node) return;
  node.textContent = text;
  node.dataset.state = state;
}
