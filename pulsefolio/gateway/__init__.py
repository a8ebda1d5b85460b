"""The API gateway: Envoy's configuration rendered from Settings. Never starts anything."""

from pulsefolio.gateway.config import render_config

__all__ = ["render_config"]
