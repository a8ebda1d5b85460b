"""Demo data: a deterministic universe of assets and users with consistent holdings.

``seed_demo`` is what ``pulsefolio seed`` and ``pulsefolio up`` (on an empty database) run.
"""

from pulsefolio.portfolio.demo.generate import ADMIN_EMAIL, ANCHOR, CURRENCIES
from pulsefolio.portfolio.demo.seed import SeedResult, seed_demo

__all__ = ["ADMIN_EMAIL", "ANCHOR", "CURRENCIES", "SeedResult", "seed_demo"]
