"""The same price message twice, or an older one after a newer one, on the running platform:
nothing changes twice and no price moves backwards, in the cache or in any instance.

JetStream drops a copy with the same dedup id; copies with other ids (as a redelivery or a
second producer makes) reach the instances, whose newer-only rule ignores them, as does the
cache's script.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from pulsefolio.core.cache import PriceCache, connect_redis
from pulsefolio.core.domain import PriceQuote
from pulsefolio.core.events import encode_quote, quote_dedup_id
from pulsefolio.core.stream import Outgoing, Topic, connect_stream
from tests.reliability.load import (
    Stack,
    admin,
    everywhere,
    held_symbol,
    holding,
    set_prices,
    steady_load,
    until,
)

pytestmark = pytest.mark.stack


def _message(quote: PriceQuote, copy: str = "") -> Outgoing:
    return Outgoing(Topic.PRICES, quote.symbol, encode_quote(quote), quote_dedup_id(quote) + copy)


async def test_duplicates_and_stale_messages_change_nothing(stack: Stack) -> None:
    boss = await admin(stack)
    stream = await connect_stream(stack.ready["nats_url"])
    redis = connect_redis(stack.ready["redis_url"])
    cache = PriceCache(redis)
    try:
        async with steady_load(stack, users=1) as load:
            user = {"Authorization": f"Bearer {load.users[0].token}"}
            symbol = await held_symbol(stack, user)
            base = datetime.now(UTC).replace(microsecond=0)
            await set_prices(stack, boss, {symbol: Decimal("50")}, base)

            def price_is(value: str):  # type: ignore[no-untyped-def]
                return lambda: everywhere(
                    stack, user, lambda b: holding(b, symbol).get("price") == value
                )

            await until(price_is("50"))
            currency = (await cache.get_prices([symbol]))[symbol].currency
            newer = PriceQuote(symbol, Decimal("60"), currency, base + timedelta(seconds=2),
                               base, "manual")  # fmt: skip
            older = PriceQuote(symbol, Decimal("40"), currency, base + timedelta(seconds=1),
                               base, "manual")  # fmt: skip

            assert await cache.put_prices([newer]) == [symbol]
            assert await cache.put_prices([newer]) == []
            assert await cache.put_prices([older]) == []
            assert (await cache.get_prices([symbol]))[symbol] == newer

            assert await stream.publish([_message(newer)]) == 1
            assert await stream.publish([_message(newer)]) == 0  # same dedup id: dropped
            assert await stream.publish([_message(newer, ":copy"), _message(older)]) == 2
            await until(price_is("60"))
            await asyncio.sleep(2)  # the copy and the older quote have arrived by now
            assert await price_is("60")()
            assert (await cache.get_prices([symbol]))[symbol] == newer
    finally:
        await stream.close()
        await redis.aclose()
