// The live stream's messages for the page on screen (other than the overview), if it wants them.

let listener = null;

/** Hand stream messages to `callback` until the page changes. */
export function onLive(callback) {
  listener = callback;
}

export function clearLive() {
  listener = null;
}

export function dispatchLive(message) {
  if (listener) listener(message);
}
