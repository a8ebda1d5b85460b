"""The naive baseline: one user's portfolio computed per request from PostgreSQL alone.

Positions joined with each asset's latest stored price (``price_history``) and the latest FX
rates (``fx_rates``), then valued and presented by the same code as ``GET /api/v1/portfolio``,
so the two answers differ only in where the figures come from. No engine, no cache.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from pulsefolio.portfolio.engine import AccountInfo, AssetInfo, Holding, PriceBoard, UserBook
from pulsefolio.portfolio.engine.prices import DATABASE, HeldRate, Quote
from pulsefolio.portfolio.portfolios.service import Valuation

POSITIONS = text(
    """
SELECT ac.id AS account_id, ac.name AS account_name, ac.currency AS account_currency,
       a.id AS asset_id, a.symbol, a.name, a.asset_class, a.currency AS asset_currency,
       p.quantity, p.cost_basis, p.cost_basis_base,
       ph.price, ph.previous_close, ph.currency, ph.as_of, ph.source
FROM accounts ac
LEFT JOIN positions p ON p.account_id = ac.id AND p.quantity > 0
LEFT JOIN assets a ON a.id = p.asset_id
LEFT JOIN LATERAL (
  SELECT price, previous_close, currency, as_of, source FROM price_history h
  WHERE h.asset_id = p.asset_id ORDER BY h.as_of DESC LIMIT 1
) ph ON true
WHERE ac.user_id = :user_id AND ac.closed_at IS NULL
ORDER BY ac.id, a.id
"""
)
FX = text(
    """
SELECT DISTINCT ON (base, quote) base, quote, rate, as_of, source
FROM fx_rates ORDER BY base, quote, as_of DESC
"""
)


async def naive_portfolio(
    session: AsyncSession, user_id: int, base_currency: str, refresh_interval: float
) -> dict[str, Any]:
    """The ``GET /api/v1/portfolio`` body of ``user_id``, from two queries on the request's own
    session (the one authentication used, so one connection per request)."""
    rows = (await session.execute(POSITIONS, {"user_id": user_id})).mappings().all()
    rates = (await session.execute(FX)).mappings().all()
    assets = {
        r["asset_id"]: AssetInfo(
            r["asset_id"], r["symbol"], r["name"], r["asset_class"], r["asset_currency"]
        )
        for r in rows
        if r["asset_id"] is not None
    }
    board = PriceBoard(list(assets.values()))
    for r in rates:
        board.fx[r["base"] + r["quote"]] = HeldRate(r["rate"], r["as_of"], r["source"], DATABASE)
    book = UserBook(user_id, base_currency, [], [])
    for r in rows:
        if not book.accounts or book.accounts[-1].id != r["account_id"]:
            book.accounts.append(
                AccountInfo(r["account_id"], user_id, r["account_name"], r["account_currency"])
            )
        if r["asset_id"] is None:
            continue
        index = board.index[r["asset_id"]]
        if r["price"] is not None:
            board.set_quote(
                index,
                Quote(
                    r["price"], r["previous_close"], r["currency"], r["as_of"], r["source"],
                    DATABASE,
                ),
            )  # fmt: skip
        book.holdings.append(
            Holding(r["account_id"], index, r["quantity"], r["cost_basis"], r["cost_basis_base"])
        )
    now = datetime.now(UTC)
    return Valuation(book, board, base_currency, now=now, refresh_interval=refresh_interval).body()
