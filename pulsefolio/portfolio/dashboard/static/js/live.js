// The live stream: one WebSocket per signed-in tab, reconnecting with backoff after a drop,
// with a fresh access token for each attempt.

import * as api from "./api.js";

const MAX_DELAY = 30000;

export class LiveStream {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.socket = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
    this.lastMessage = null;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
    setStatus("Offline", "off");
  }

  async connect() {
    if (this.stopped) return;
    setStatus(this.attempt ? "Reconnecting…" : "Connecting…", "wait");
    let token;
    try {
      // A failed handshake may mean an expired token: take a fresh one after a failure.
      if (this.attempt > 0) await api.refresh();
      token = await api.accessToken();
    } catch (error) {
      if (error.status === 401) return; // signed out; main.js shows the sign-in page
      this.retry();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/api/v1/portfolio/stream`
      + `?access_token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      setStatus("Live", "on");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      this.lastMessage = new Date();
      if (message.type !== "ping") this.onMessage(message);
    });
    socket.addEventListener("close", () => {
      if (this.socket === socket) this.socket = null;
      if (!this.stopped) this.retry();
    });
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
