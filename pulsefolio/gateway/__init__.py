"""The API gateway: Envoy's configuration rendered from Settings. Never starts anything."""

from pulsefolio.gateway.config import Upstreams, render_config

__all__ = ["Upstreams", "render_config"]
