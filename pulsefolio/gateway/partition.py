"""Routing by user: each request goes to the portfolio instance owning its caller.

A Lua filter reads the caller's user id from the access token (the JWT's ``sub``, read without
verifying: routing is not authentication, and a forged token only reaches an instance that then
refuses it) or from the WebSocket's ``access_token`` parameter, and sets two headers, replacing
any the client sent: ``x-pulsefolio-cluster`` names the cluster of the owner
(:func:`pulsefolio.core.partition.owner_of`), ``x-pulsefolio-user`` is the hash key. A personal
API token carries no user id; it is keyed by the token itself, so one script's requests stay on
one instance. Requests with neither go round-robin (``portfolio``).

Cluster ``portfolio-<i>`` has instance ``i`` at priority 0 and every other instance at priority
1, balanced by Maglev on the user key: while ``i`` is healthy it gets all of its users, and when
its health checks fail each of its users moves to one other instance, the same one for every
request, which loads that user on first use.
"""

from __future__ import annotations

from typing import Any

CLUSTER_HEADER = "x-pulsefolio-cluster"
USER_HEADER = "x-pulsefolio-user"
ROUND_ROBIN = "portfolio"
_LUA_TYPE = "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"

LUA = """
local bit = require("bit")
local SHARDS = %(shards)d
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local value = {}
for i = 1, 64 do value[alphabet:byte(i)] = i - 1 end

local function base64url(text)
  local out, n, acc, bits = {}, 0, 0, 0
  for i = 1, #text do
    local v = value[text:byte(i)]
    if v == nil then return nil end
    acc = bit.bor(bit.lshift(bit.band(acc, 0xFF), 6), v)
    bits = bits + 6
    if bits >= 8 then
      bits = bits - 8
      n = n + 1
      out[n] = string.char(bit.band(bit.rshift(acc, bits), 0xFF))
    end
  end
  return table.concat(out)
end

local function token_of(headers)
  local auth = headers:get("authorization")
  if auth then
    local token = auth:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%%s+(%%S+)")
    if token then return token end
  end
  return (headers:get(":path") or ""):match("[?&]access_token=([^&]+)")
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local cluster, key = "%(round_robin)s", ""
  local token = token_of(headers)
  if token then
    local user = nil
    if token:sub(1, 3) ~= "pf_" then
      local payload = token:match("^[^.]+%%.([^.]+)%%.")
      local claims = payload and base64url(payload)
      user = claims and claims:match('"sub"%%s*:%%s*"(%%d+)"')
    end
    if user then
      key = user
      cluster = "%(round_robin)s-" .. string.format("%%d", tonumber(user) %% SHARDS)
    else
      local sum = 0
      for i = 1, #token do sum = (sum * 31 + token:byte(i)) %% 1000003 end
      key = token:sub(1, 3) .. sum
      cluster = "%(round_robin)s-" .. string.format("%%d", sum %% SHARDS)
    end
  end
  headers:replace("%(cluster)s", cluster)
  headers:replace("%(user)s", key)
end
"""


def lua_filter(shards: int) -> dict[str, Any]:
    source = LUA % {
        "shards": shards,
        "round_robin": ROUND_ROBIN,
        "cluster": CLUSTER_HEADER,
        "user": USER_HEADER,
    }
    return {
        "name": "envoy.filters.http.lua",
        "typed_config": {"@type": _LUA_TYPE, "default_source_code": {"inline_string": source}},
    }


def owner_clusters(base: dict[str, Any], addresses: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """One cluster per instance: its owner first (priority 0), the others behind (priority 1)."""
    clusters = []
    for owner, address in enumerate(addresses):
        endpoints = [
            {"priority": 0, "lb_endpoints": [_endpoint(*address)]},
            {
                "priority": 1,
                "lb_endpoints": [_endpoint(*a) for i, a in enumerate(addresses) if i != owner],
            },
        ]
        name = f"{ROUND_ROBIN}-{owner}"
        clusters.append(
            {
                **base,
                "name": name,
                "lb_policy": "MAGLEV",
                "load_assignment": {"cluster_name": name, "endpoints": endpoints},
            }
        )
    return clusters


def hash_policy() -> list[dict[str, Any]]:
    return [{"header": {"header_name": USER_HEADER}}]


def _endpoint(host: str, port: int) -> dict[str, Any]:
    return {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
