"""The in-memory valuation state of one portfolio-service instance.

Read-heavy by design: requests read positions and prices from here, never from PostgreSQL; the
stream keeps it current. Per-user totals (market value, previous-close value, cost basis) are kept
in float64 for every user and updated incrementally:

* a price batch touches only its assets; the inverted index gives the rows holding them, and
  those rows alone are recomputed (``quantity[rows] @ P``);
* an FX change, or a batch reaching over a quarter of the users, revalues everyone: one sparse
  product ``quantity @ price`` (USD), plus ``quantity @ previous_close`` and ``cost @ fx`` only
  when those vectors moved (a price refresh leaves them, so it costs one product).

Cash balances are positions of the board's cash pseudo-assets (price 1 in their currency, zero
cost), so every total here includes cash and an FX change revalues it in the same product.

Cost in the base currency is the ledger's ``cost_basis_base`` (trade-date rate) where recorded,
fixed per row; the rest is asset-currency cost at today's rate.

Values are pivoted through USD for the bulk path: an asset's price times its currency's USD
rate, then the user's total times the USD→base rate. Exact per-holding figures are computed
per request from the Decimal state (see :mod:`pulsefolio.portfolio.portfolios.service`);
tests hold the float totals to those.

Memory per instance (bulk arrays; measure with ``python -m pulsefolio.portfolio.engine.footprint``):
per position 44 bytes (float64 quantity and cost, int32 asset, int32 account, int64 exact
quantity and cost, int32 inverted-index row); per user about 60 bytes (row pointer, id, base,
three float64 totals, one account with a short name). Measured on synthetic books:

* 100,000 users × 20: arrays 97 MB; peak RSS growth while building 245 MB (including the
  generator's own inputs); full revaluation 37 ms, one-asset update 12 ms.
* 1,000,000 users × 20: arrays 0.97 GB; peak RSS growth 2.4 GB while building (transient sort
  and conversion copies), settling near the arrays' size; full revaluation 0.30 s.

Cash adds one position per balance, about 52 bytes each with its inverted-index entry: measured
with the footprint tool, two balances a user add 10.4 MB at 100,000 users (arrays 113.7 → 124.1
MB), so about 0.1 GB at 1,000,000 users; the full revaluation stays within noise (4–5 ms).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.portfolio.engine.positions import BulkBook, UserBook
from pulsefolio.portfolio.engine.prices import PriceBoard

FULL_REVALUATION_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class FloatTotals:
    """A user's totals in their base currency, float64: the fast path, not for display.
    ``value`` and ``previous`` include cash; ``cost`` is the holdings' alone."""

    value: float
    previous: float
    cost: float


class Engine:
    def __init__(self, board: PriceBoard, bulk: BulkBook) -> None:
        self.board = board
        self.bulk = bulk
        self.overlay: dict[int, UserBook] = {}
        self.user_versions: dict[int, int] = {}  # bumped by each reload of a user's positions
        self._overlay_by_asset: dict[int, set[int]] = {}
        self._overlay_accounts: dict[int, int] = {}
        rows = len(bulk.user_ids)
        self.value_usd = np.zeros(rows)
        self.previous_usd = np.zeros(rows)
        self.cost_usd = np.zeros(rows)
        self._previous_seen: np.ndarray | None = None
        self._cost_rate_seen: np.ndarray | None = None
        self.revalue_all()

    # -- vectors -------------------------------------------------------------------------

    def _usd_rates(self, currencies: Iterable[str]) -> dict[str, float]:
        return {c: self.board.float_rate(c, "USD") for c in set(currencies)}

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """P (n_assets × 2: price and previous close, USD) and the asset-currency USD rates.

        An asset without a price counts as zero value and zero cost, as in the exact path.
        """
        board = self.board
        quote_ccy = [
            q.currency if q is not None else a.currency
            for a, q in zip(board.assets, board.quotes, strict=True)
        ]
        asset_ccy = [a.currency for a in board.assets]
        rates = self._usd_rates(quote_ccy + asset_ccy)
        price_rate = np.fromiter((rates[c] for c in quote_ccy), float, len(quote_ccy))
        cost_rate = np.fromiter((rates[c] for c in asset_ccy), float, len(asset_ccy))
        priced = np.fromiter((q is not None for q in board.quotes), bool, len(board))
        cost_rate = np.where(priced, cost_rate, 0.0)
        prices = np.column_stack([board.price_f * price_rate, board.previous_f * price_rate])
        return prices, cost_rate

    def _base_rates(self) -> np.ndarray:
        """USD→base rate per bulk base-currency code."""
        return np.array([self.board.float_rate("USD", c) for c in self.bulk.codes] or [1.0])

    # -- revaluation ---------------------------------------------------------------------

    def revalue_all(self, vectors: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Revalue every bulk row.

        One sparse product for the value; the previous-close and cost products only when their
        vectors moved since the last full revaluation (previous closes change once a day, the
        cost rates with FX), so a price refresh costs one product. ``vectors`` (from
        :meth:`vectors`) lets a caller take them on the event loop and compute in a thread.
        """
        prices, cost_rate = self._vectors() if vectors is None else vectors
        width = self.bulk.quantity.shape[1]
        quantity = self.bulk.quantity
        value = np.ascontiguousarray(prices[:width, 0])
        previous = np.ascontiguousarray(prices[:width, 1])
        cost_rate = np.ascontiguousarray(cost_rate[:width])
        self.value_usd = quantity @ value
        if self._previous_seen is None or not np.array_equal(previous, self._previous_seen):
            self.previous_usd = quantity @ previous
            self._previous_seen = previous
        if self._cost_rate_seen is None or not np.array_equal(cost_rate, self._cost_rate_seen):
            self.cost_usd = self.bulk.cost @ cost_rate
            self._cost_rate_seen = cost_rate

    def vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """Prices (n_assets × 2, USD) and cost rates as they are now: a snapshot."""
        return self._vectors()

    def revalue_rows(
        self, rows: np.ndarray, vectors: tuple[np.ndarray, np.ndarray] | None = None
    ) -> None:
        if not len(rows):
            return
        prices, cost_rate = self._vectors() if vectors is None else vectors
        width = self.bulk.quantity.shape[1]
        both = self.bulk.quantity[rows] @ prices[:width]
        self.value_usd[rows] = both[:, 0]
        self.previous_usd[rows] = both[:, 1]
        self.cost_usd[rows] = self.bulk.cost[rows] @ cost_rate[:width]

    def users_holding(self, assets: Iterable[int]) -> set[int]:
        wanted = np.fromiter(assets, np.int64)
        rows = self.bulk.rows_holding(wanted)
        users = {int(u) for u in self.bulk.user_ids[rows]}
        users -= self.overlay.keys()
        for asset in wanted:
            users |= self._overlay_by_asset.get(int(asset), set())
        return users

    def apply_quotes(self, quotes: Iterable[PriceQuote]) -> tuple[list[int], set[int]]:
        """Apply a price batch; return the changed asset indexes and the users holding them."""
        changed = self.board.apply_quotes(quotes)
        if not changed:
            return [], set()
        self.revalue(changed)
        return changed, self.users_holding(changed)

    def revalue(
        self,
        changed: Iterable[int],
        vectors: tuple[np.ndarray, np.ndarray] | None = None,
        *,
        everyone: bool = False,
    ) -> None:
        """Revalue the rows holding the ``changed`` assets, or every row when that is over a
        quarter of them (or ``everyone``). Safe to run in a worker thread given ``vectors``: it
        only reads the matrices and replaces or fills the total arrays."""
        assets = np.fromiter(changed, np.int64)
        assets = assets[assets < len(self.bulk.asset_ptr) - 1]
        share = FULL_REVALUATION_SHARE * len(self.bulk.user_ids)
        # Positions held in the changed assets bound the rows from above: a large refresh goes
        # straight to the full product without gathering (and sorting) its rows.
        if everyone or np.diff(self.bulk.asset_ptr)[assets].sum() > 4 * share:
            self.revalue_all(vectors)
            return
        rows = self.bulk.rows_holding(assets)
        if len(rows) > share:
            self.revalue_all(vectors)
        else:
            self.revalue_rows(rows, vectors)

    def apply_fx(self, rates: Iterable[FxRate]) -> bool:
        """Apply FX rates; on any change revalue everyone (a rate moves whole currencies)."""
        if not self.board.apply_fx(rates):
            return False
        self.revalue_all()
        return True

    # -- positions -----------------------------------------------------------------------

    def replace_user(self, book: UserBook) -> None:
        """Install a user's freshly loaded positions (their bulk row, if any, stops counting)."""
        old = self.overlay.get(book.user_id)
        if old is not None:
            self._unindex(old)
        row = self.bulk.row(book.user_id)
        if row is not None:
            self.bulk.zero_row(row)
            self.value_usd[row] = self.previous_usd[row] = self.cost_usd[row] = 0.0
        self.overlay[book.user_id] = book
        self.user_versions[book.user_id] = self.user_versions.get(book.user_id, 0) + 1
        for h in book.holdings:
            self._overlay_by_asset.setdefault(h.asset, set()).add(book.user_id)
        for a in book.accounts:
            self._overlay_accounts[a.id] = book.user_id

    def holds(self, user_id: int) -> bool:
        """Whether this instance has loaded the user (at start-up or since)."""
        return user_id in self.overlay or self.bulk.row(user_id) is not None

    def drop_user(self, user_id: int) -> None:
        """Forget a reloaded user (one this instance does not own, idle for a while)."""
        old = self.overlay.pop(user_id, None)
        if old is not None:
            self._unindex(old)
            self.user_versions[user_id] = self.user_versions.get(user_id, 0) + 1

    def _unindex(self, book: UserBook) -> None:
        for h in book.holdings:
            self._overlay_by_asset.get(h.asset, set()).discard(book.user_id)
        for a in book.accounts:
            self._overlay_accounts.pop(a.id, None)

    def book(self, user_id: int) -> UserBook | None:
        """A user's exact accounts and positions, or None if this instance never saw them."""
        if (book := self.overlay.get(user_id)) is not None:
            return book
        row = self.bulk.row(user_id)
        return None if row is None else self.bulk.book(row, self.board.cash)

    def account_owner(self, account_id: int) -> int | None:
        """The user owning open account ``account_id``, as far as this instance knows."""
        if (owner := self._overlay_accounts.get(account_id)) is not None:
            return owner
        at = self.bulk.accounts.find(account_id)
        if at is None:
            return None
        owner = int(self.bulk.accounts.users[at])
        # A reloaded user's overlay is authoritative: the account may have closed since.
        return None if owner in self.overlay else owner

    # -- totals --------------------------------------------------------------------------

    def totals(self, user_id: int) -> FloatTotals | None:
        """A user's float totals in their base currency (the fast path)."""
        book = self.overlay.get(user_id)
        if book is not None:
            prices, cost_rate = self._vectors()
            assets = book.assets
            value_prev = book.quantity_f @ prices[assets] if len(assets) else np.zeros(2)
            cost = float(book.cost_f @ cost_rate[assets]) if len(assets) else 0.0
            to_base = self.board.float_rate("USD", book.base_currency)
            return FloatTotals(
                value_prev[0] * to_base, value_prev[1] * to_base, cost * to_base + book.cost_base_f
            )
        row = self.bulk.row(user_id)
        if row is None:
            return None
        to_base = self._base_rates()[self.bulk.base[row]]
        return FloatTotals(
            float(self.value_usd[row] * to_base),
            float(self.previous_usd[row] * to_base),
            float(self.cost_usd[row] * to_base + self.bulk.row_cost_base[row]),
        )

    def all_values(self) -> np.ndarray:
        """Every bulk row's market value in its base currency (float64)."""
        values: np.ndarray = self.value_usd * self._base_rates()[self.bulk.base]
        return values
