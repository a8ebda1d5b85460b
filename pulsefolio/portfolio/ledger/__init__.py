"""The ledger: the rules that keep positions and cash equal to the transactions.

Call :func:`apply_transaction` or :func:`delete_transaction` in the same database
transaction as the write; :mod:`.rules` holds the pure replay the demo data uses too.
"""

from pulsefolio.portfolio.ledger.rules import (
    Entry,
    PositionState,
    cash_effect,
    fold_cash,
    fold_position,
)
from pulsefolio.portfolio.ledger.service import (
    apply_transaction,
    delete_transaction,
    recompute_account,
    recompute_cash,
    recompute_position,
    recompute_user_positions,
)

__all__ = [
    "Entry",
    "PositionState",
    "apply_transaction",
    "cash_effect",
    "delete_transaction",
    "fold_cash",
    "fold_position",
    "recompute_account",
    "recompute_cash",
    "recompute_position",
    "recompute_user_positions",
]
