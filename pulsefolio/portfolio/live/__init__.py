"""Stream consumption and WebSocket push: the instance's engine kept current and shown live."""

from pulsefolio.portfolio.live.service import Live, live_service

__all__ = ["Live", "live_service"]
