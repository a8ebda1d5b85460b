"""The asset service's messages in the shared durable outbox (:mod:`pulsefolio.core.outbox`).

The writer stores one message per quote and rate in ``stream_outbox`` in the transaction that
stores their history, so a price in PostgreSQL always has its message either in the stream or in
the table. Each message's dedup id names the quote (symbol, time, source), so a batch stored or
sent twice is kept once; consumers take only newer prices, so the order in which concurrent
relays send two batches does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulsefolio.core.domain import FxRate, PriceQuote
from pulsefolio.core.events import encode_fx, encode_quote, fx_dedup_id, quote_dedup_id
from pulsefolio.core.outbox import OutboxRelay, pending, store
from pulsefolio.core.stream import Outgoing, Topic

__all__ = ["OutboxRelay", "messages", "pending", "store"]


def messages(quotes: Sequence[PriceQuote], rates: Sequence[FxRate]) -> list[Outgoing]:
    """The stream messages announcing ``quotes`` and ``rates``."""
    return [
        Outgoing(Topic.PRICES, q.symbol, encode_quote(q), quote_dedup_id(q)) for q in quotes
    ] + [Outgoing(Topic.FX, r.pair, encode_fx(r), fx_dedup_id(r)) for r in rates]
