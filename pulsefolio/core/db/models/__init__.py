"""Every table, one module each, on one metadata (``Base.metadata``) that Alembic compares."""

from pulsefolio.core.db.models._base import NAMING_CONVENTION, Base
from pulsefolio.core.db.models.account import Account
from pulsefolio.core.db.models.allocation_target import AllocationSetting, AllocationTarget
from pulsefolio.core.db.models.api_token import ApiToken
from pulsefolio.core.db.models.asset import Asset
from pulsefolio.core.db.models.asset_source import AssetSource
from pulsefolio.core.db.models.cash_balance import CashBalance
from pulsefolio.core.db.models.fx_rate import FxRate
from pulsefolio.core.db.models.position import Position
from pulsefolio.core.db.models.price_history import PriceHistory
from pulsefolio.core.db.models.refresh_token import RefreshToken
from pulsefolio.core.db.models.stream_outbox import StreamOutbox
from pulsefolio.core.db.models.transaction import Transaction
from pulsefolio.core.db.models.user import User

__all__ = [
    "NAMING_CONVENTION",
    "Account",
    "AllocationSetting",
    "AllocationTarget",
    "ApiToken",
    "Asset",
    "AssetSource",
    "Base",
    "CashBalance",
    "FxRate",
    "Position",
    "PriceHistory",
    "RefreshToken",
    "StreamOutbox",
    "Transaction",
    "User",
]
