"""Pure money math: ledger replay into lots, valuation, value history and returns.

Nothing here touches a database, the network or a clock: services feed plain data in and get
plain data out. Exact figures use :class:`~decimal.Decimal`; the vectorised history, returns
and the fast revaluation path use float64 and say so.
"""

from .currency import GainSplit, split_gain
from .drawdown import MaxDrawdown, drawdowns, max_drawdown
from .history import History, Series, build_history
from .ledger import LedgerEntry, check_entry, ordered
from .lots import AccountLots, CashEvent, ClosedLot, Lot, LotBook, replay, replay_accounts
from .matrix import HoldingsMatrix, build_matrix, check_fast_path, price_vector, totals
from .returns import (
    DateRange,
    Gains,
    Performance,
    gains,
    money_weighted_return,
    performance,
    resolve_range,
    time_weighted_return,
    twr_index,
    twr_path,
    xirr,
)
from .valuation import HoldingValue, PortfolioValue, Position, positions_from_lots, value_portfolio

__all__ = [
    "AccountLots",
    "CashEvent",
    "ClosedLot",
    "DateRange",
    "GainSplit",
    "Gains",
    "History",
    "HoldingValue",
    "HoldingsMatrix",
    "LedgerEntry",
    "Lot",
    "LotBook",
    "MaxDrawdown",
    "Performance",
    "PortfolioValue",
    "Position",
    "Series",
    "build_history",
    "build_matrix",
    "check_entry",
    "check_fast_path",
    "drawdowns",
    "gains",
    "max_drawdown",
    "money_weighted_return",
    "ordered",
    "performance",
    "positions_from_lots",
    "price_vector",
    "replay",
    "replay_accounts",
    "resolve_range",
    "split_gain",
    "time_weighted_return",
    "totals",
    "twr_index",
    "twr_path",
    "value_portfolio",
    "xirr",
]
