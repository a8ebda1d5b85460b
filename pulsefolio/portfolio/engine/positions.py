"""Every open position of every user, in columns: the bulk book and the per-user overlay.

The bulk book is what start-up loads in one query. Positions are grouped by user, so the users
form a CSR structure: ``indptr[row]:indptr[row+1]`` are a user's positions, ``indices`` their asset
indexes (into the :class:`~.prices.PriceBoard`). Two SciPy CSR matrices share that structure:
``quantity`` (data: float64 quantities) and ``cost`` (data: float64 cost basis, asset currency).
Several accounts may hold one asset, so a row may repeat a column; a product sums them, as
wanted. The exact figures sit beside them as scaled integers (quantity × 10^10, cost × 10^6,
the database's own scales), so no Decimal object is kept per position; the rare figure too large
for int64 is kept in ``oversized`` as Decimals.

Cost in the base currency: where the ledger stored ``cost_basis_base`` (converted at the
trade-date rate) it is used as is, summed per row into ``row_cost_base``, and that position's
entry in ``cost`` is zero; otherwise ``cost`` carries the asset-currency cost, converted at
today's rate by the engine. ``cost_base_int`` holds the exact figure, ``NO_COST_BASE`` where
there is none.

The inverted index (``asset_ptr``, ``asset_rows``) lists, per asset, the rows holding it: a price
change revalues those rows only.

Cash balances are positions too: the asset is the board's cash pseudo-asset of the balance's
currency (price 1), the quantity is the amount, the cost zero; a product counts them at today's
FX with the holdings. :meth:`BulkBook.book` hands them back as :class:`Cash`, not as holdings.

A user whose positions change is reloaded into a :class:`UserBook` (the overlay) and their bulk
row is zeroed, so the bulk products count them as nothing and never need rebuilding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import scipy.sparse as sp

QUANTITY_SCALE = 10
COST_SCALE = 6
NO_COST_BASE = np.iinfo(np.int64).min
Exact = tuple[Decimal, Decimal, Decimal | None]  # quantity, cost, cost in base (or None)


@dataclass(frozen=True, slots=True)
class AccountInfo:
    id: int
    user_id: int
    name: str
    currency: str


@dataclass(frozen=True, slots=True)
class Holding:
    """One open position, exactly; ``asset`` is the price board's index."""

    account_id: int
    asset: int
    quantity: Decimal
    cost: Decimal
    cost_base: Decimal | None = None  # base currency at the trade-date rate, when recorded


@dataclass(frozen=True, slots=True)
class Cash:
    """One account's cash balance in one currency, exactly; ``asset`` is the board's cash index."""

    account_id: int
    currency: str
    amount: Decimal
    asset: int


@dataclass(slots=True)
class UserBook:
    """One user's open accounts, positions and cash; float mirrors feed the bulk totals (the
    arrays below list the holdings, then the cash balances at zero cost)."""

    user_id: int
    base_currency: str
    accounts: list[AccountInfo]
    holdings: list[Holding]
    cash: list[Cash] = field(default_factory=list)

    @property
    def assets(self) -> np.ndarray:
        both = [h.asset for h in self.holdings] + [c.asset for c in self.cash]
        return np.array(both, np.int64)

    @property
    def quantity_f(self) -> np.ndarray:
        both = [float(h.quantity) for h in self.holdings] + [float(c.amount) for c in self.cash]
        return np.array(both, float)

    @property
    def cost_f(self) -> np.ndarray:
        """Asset-currency cost of the holdings without a recorded base cost (zero for others
        and for cash)."""
        costs = [float(h.cost) if h.cost_base is None else 0.0 for h in self.holdings]
        return np.array(costs + [0.0] * len(self.cash), float)

    @property
    def cost_base_f(self) -> float:
        """The sum of the recorded base-currency costs."""
        return float(sum(h.cost_base for h in self.holdings if h.cost_base is not None))


@dataclass(slots=True)
class Accounts:
    """Open accounts sorted by (user, id); names packed in one UTF-8 blob."""

    ids: np.ndarray  # int64
    users: np.ndarray  # int64, sorted
    currencies: np.ndarray  # int16 codes into ``codes``
    name_offsets: np.ndarray  # int64, len + 1
    names: bytes
    codes: list[str]
    by_id: np.ndarray  # int64 permutation: ids[by_id] is sorted
    sorted_ids: np.ndarray  # ids[by_id]

    def info(self, i: int) -> AccountInfo:
        start, end = self.name_offsets[i], self.name_offsets[i + 1]
        return AccountInfo(
            int(self.ids[i]),
            int(self.users[i]),
            self.names[start:end].decode(),
            self.codes[self.currencies[i]],
        )

    def find(self, account_id: int) -> int | None:
        """The index of ``account_id``, or None."""
        at = int(np.searchsorted(self.sorted_ids, account_id))
        if at < len(self.sorted_ids) and self.sorted_ids[at] == account_id:
            return int(self.by_id[at])
        return None

    def of_user(self, user_id: int) -> range:
        return range(
            int(np.searchsorted(self.users, user_id, "left")),
            int(np.searchsorted(self.users, user_id, "right")),
        )


@dataclass(slots=True)
class BulkBook:
    user_ids: np.ndarray  # int64 sorted; row r is user user_ids[r]
    base: np.ndarray  # int16 currency code per row, into ``codes``
    codes: list[str]
    quantity: sp.csr_matrix  # rows x assets, float64 quantities
    cost: sp.csr_matrix  # same structure, float64 cost basis (asset currency)
    account: np.ndarray  # int32 per position: index into ``accounts``
    quantity_int: np.ndarray  # int64 per position, quantity * 10**10
    cost_int: np.ndarray  # int64 per position, cost * 10**6
    cost_base_int: np.ndarray  # int64 per position, cost_basis_base * 10**6, or NO_COST_BASE
    row_cost_base: np.ndarray  # float64 per row: sum of the recorded base-currency costs
    oversized: dict[int, Exact]
    asset_ptr: np.ndarray  # int64, n_assets + 1
    asset_rows: np.ndarray  # int32 rows holding each asset
    accounts: Accounts

    @property
    def indptr(self) -> np.ndarray:
        indptr: np.ndarray = self.quantity.indptr
        return indptr

    def row(self, user_id: int) -> int | None:
        at = int(np.searchsorted(self.user_ids, user_id))
        if at < len(self.user_ids) and self.user_ids[at] == user_id:
            return at
        return None

    def book(self, row: int, cash: Mapping[int, str]) -> UserBook:
        """The exact positions, cash and accounts of bulk row ``row``; ``cash`` maps the
        board's cash pseudo-assets to their currencies."""
        user_id = int(self.user_ids[row])
        accounts = [self.accounts.info(i) for i in self.accounts.of_user(user_id)]
        holdings, balances = [], []
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        columns = zip(  # plain ints: indexing NumPy arrays one element at a time is slower
            range(start, end),
            self.quantity_int[start:end].tolist(),
            self.cost_int[start:end].tolist(),
            self.cost_base_int[start:end].tolist(),
            self.accounts.ids[self.account[start:end]].tolist(),
            self.quantity.indices[start:end].tolist(),
            strict=True,
        )
        for p, quantity, cost, base, account_id, asset in columns:
            exact = self.oversized.get(p)
            if exact is None:
                exact = (
                    Decimal(quantity).scaleb(-QUANTITY_SCALE),
                    Decimal(cost).scaleb(-COST_SCALE),
                    None if base == NO_COST_BASE else Decimal(base).scaleb(-COST_SCALE),
                )
            if asset in cash:
                balances.append(Cash(account_id, cash[asset], exact[0], asset))
            else:
                holdings.append(Holding(account_id, asset, *exact))
        return UserBook(user_id, self.codes[self.base[row]], accounts, holdings, balances)

    def zero_row(self, row: int) -> None:
        """Make bulk products count this row as nothing (its user moved to the overlay)."""
        start, end = int(self.indptr[row]), int(self.indptr[row + 1])
        self.quantity.data[start:end] = 0.0
        self.cost.data[start:end] = 0.0
        self.row_cost_base[row] = 0.0

    def rows_holding(self, assets: np.ndarray) -> np.ndarray:
        """The distinct rows holding any of ``assets`` (indexes below the bulk width)."""
        assets = assets[assets < len(self.asset_ptr) - 1]
        if not len(assets):
            return np.zeros(0, np.int64)
        parts = [self.asset_rows[self.asset_ptr[a] : self.asset_ptr[a + 1]] for a in assets]
        return np.unique(np.concatenate(parts))

    def nbytes(self) -> int:
        """Bytes held by the arrays (not counting the Python objects around them)."""
        arrays: list[np.ndarray] = [
            self.user_ids,
            self.base,
            self.quantity.data,
            self.quantity.indices,
            self.quantity.indptr,
            self.cost.data,
            self.account,
            self.quantity_int,
            self.cost_int,
            self.cost_base_int,
            self.row_cost_base,
            self.asset_ptr,
            self.asset_rows,
            self.accounts.ids,
            self.accounts.users,
            self.accounts.currencies,
            self.accounts.name_offsets,
            self.accounts.by_id,
            self.accounts.sorted_ids,
        ]
        return sum(a.nbytes for a in arrays) + len(self.accounts.names)


def build_bulk(
    *,
    n_assets: int,
    position_users: np.ndarray,
    position_accounts: np.ndarray,
    position_assets: np.ndarray,
    quantity_int: np.ndarray,
    cost_int: np.ndarray,
    cost_base_int: np.ndarray,
    oversized: dict[tuple[int, int], Exact],
    accounts: Accounts,
    base_users: np.ndarray,
    base_codes: np.ndarray,
    codes: list[str],
) -> BulkBook:
    """Assemble the bulk book from loaded columns.

    ``position_assets`` are board indexes. ``oversized`` maps (account id, board index) to the
    exact figures of positions whose scaled integers did not fit. ``cost_base_int`` is
    ``NO_COST_BASE`` where a position has no recorded base-currency cost. ``base_users`` and
    ``base_codes`` give each user's base currency as an index into ``codes``.
    """
    user_ids = np.unique(np.concatenate([accounts.users, base_users]))
    order = np.lexsort((position_assets, position_accounts, position_users))
    position_users = position_users[order]
    position_accounts = position_accounts[order]
    position_assets = position_assets[order].astype(np.int32)
    quantity_int = quantity_int[order]
    cost_int = cost_int[order]
    cost_base_int = cost_base_int[order]

    rows = np.searchsorted(user_ids, position_users)
    counts = np.bincount(rows, minlength=len(user_ids))
    indptr = np.zeros(len(user_ids) + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])

    found = np.searchsorted(accounts.sorted_ids, position_accounts)
    account_index = accounts.by_id[found].astype(np.int32)

    exact: dict[int, Exact] = {}
    for (account_id, asset), figures in oversized.items():
        hits = np.flatnonzero((position_accounts == account_id) & (position_assets == asset))
        for hit in hits:
            exact[int(hit)] = figures
    quantity_f = quantity_int / 10.0**QUANTITY_SCALE
    recorded = cost_base_int != NO_COST_BASE
    cost_f = np.where(recorded, 0.0, cost_int / 10.0**COST_SCALE)
    cost_base_f = np.where(recorded, cost_base_int / 10.0**COST_SCALE, 0.0)
    for p, (q, c, cb) in exact.items():
        quantity_f[p] = float(q)
        cost_f[p], cost_base_f[p] = (float(c), 0.0) if cb is None else (0.0, float(cb))

    shape = (len(user_ids), n_assets)
    quantity = sp.csr_matrix((quantity_f, position_assets, indptr), shape=shape, copy=False)
    cost = sp.csr_matrix((cost_f, position_assets, indptr), shape=shape, copy=False)
    # scipy may have copied or re-typed the shared arrays; make them the very same objects.
    cost.indices, cost.indptr = quantity.indices, quantity.indptr
    row_cost_base = np.bincount(rows, weights=cost_base_f, minlength=len(user_ids))

    by_asset = np.argsort(position_assets, kind="stable")
    asset_rows = rows[by_asset].astype(np.int32)
    asset_ptr = np.zeros(n_assets + 1, np.int64)
    np.cumsum(np.bincount(position_assets, minlength=n_assets), out=asset_ptr[1:])

    base = np.zeros(len(user_ids), np.int16)
    at = np.searchsorted(user_ids, base_users)
    base[at] = base_codes
    return BulkBook(
        user_ids=user_ids,
        base=base,
        codes=codes,
        quantity=quantity,
        cost=cost,
        account=account_index,
        quantity_int=quantity_int,
        cost_int=cost_int,
        cost_base_int=cost_base_int,
        row_cost_base=row_cost_base,
        oversized=exact,
        asset_ptr=asset_ptr,
        asset_rows=asset_rows,
        accounts=accounts,
    )
