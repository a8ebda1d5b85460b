"""In-memory valuation state: every open position and the latest prices, kept current."""

from pulsefolio.portfolio.engine.engine import Engine, FloatTotals
from pulsefolio.portfolio.engine.loader import load_engine, load_users
from pulsefolio.portfolio.engine.positions import AccountInfo, Cash, Holding, UserBook
from pulsefolio.portfolio.engine.prices import AssetInfo, Conversion, PriceBoard, Quote

__all__ = [
    "AccountInfo",
    "AssetInfo",
    "Cash",
    "Conversion",
    "Engine",
    "FloatTotals",
    "Holding",
    "PriceBoard",
    "Quote",
    "UserBook",
    "load_engine",
    "load_users",
]
