"""Target allocations: a user's target weights by asset class, currency or holding, the drift
from them, and the trades that bring the portfolio back (:mod:`.rebalance`)."""
