"""The app's price cache as ``cache`` (shared with tests/portfolio/engine's fixtures)."""

from engine.fixtures import app_cache as cache  # noqa: F401
