"""The asset service's own API under ``/api/v1/market/``: sources, quotes, admin, metrics."""
