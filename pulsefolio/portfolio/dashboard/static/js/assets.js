// Asset look-ups by symbol and by id, cached for the page's lifetime.

import * as api from "./api.js";

const bySymbol = new Map();
const byId = new Map();

function remember(asset) {
  bySymbol.set(asset.symbol.toUpperCase(), asset);
  byId.set(asset.id, asset);
}

export async function search(query) {
  const found = await api.get(`/api/v1/assets?q=${encodeURIComponent(query)}&limit=20`);
  found.forEach(remember);
  return found;
}

/** The asset with exactly this symbol, or null. */
export async function findSymbol(symbol) {
  const key = symbol.trim().toUpperCase();
  if (!bySymbol.has(key)) await search(key);
  return bySymbol.get(key) || null;
}

export async function byIds(ids) {
  const missing = [...new Set(ids)].filter((id) => id !== null && !byId.has(id));
  await Promise.all(missing.map(async (id) => {
    try { remember(await api.get(`/api/v1/assets/${id}`)); } catch { /* shown as its id */ }
  }));
  return (id) => byId.get(id);
}

export async function all(limit = 200) {
  const found = await api.get(`/api/v1/assets?limit=${limit}`);
  found.forEach(remember);
  return found;
}
