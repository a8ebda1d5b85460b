from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pulsefolio.assets.sources.base import SymbolRequest, UnknownSymbol
from pulsefolio.assets.sources.manual import (
    InMemoryManualStore,
    ManualSource,
    parse_manual_csv,
)

NOW = datetime(2026, 9, 22, tzinfo=UTC)


class TestParseManualCsv:
    def test_good_file(self) -> None:
        text = "\ufeffsymbol,price,currency,as_of\r\nHOUSE,450000,EUR,2026-09-01\r\n"
        text += "PRIV,12.345,USD,2026-09-21T16:00:00+01:00\r\n\r\n"
        prices, errors = parse_manual_csv(text, now=NOW)
        assert errors == []
        assert [(p.symbol, p.price, p.currency) for p in prices] == [
            ("HOUSE", Decimal("450000"), "EUR"),
            ("PRIV", Decimal("12.345"), "USD"),
        ]
        assert prices[1].as_of == datetime(2026, 9, 21, 15, tzinfo=UTC)

    def test_every_bad_row_reported_beside_the_good_ones(self) -> None:
        text = "\n".join(
            [
                "symbol,price,currency,as_of",
                "OK,1.5,USD,2026-09-01",
                "NEG,-3,USD,2026-09-01",
                "NAN,NaN,USD,2026-09-01",
                "CUR,2,usd,2026-09-01",
                "NAIVE,2,USD,2026-09-01T10:00:00",
                "FUT,2,USD,2027-01-01",
                "OK,1.6,USD,2026-09-02",
                "SHORT,2",
            ]
        )
        prices, errors = parse_manual_csv(text, now=NOW)
        assert [(p.symbol, p.row) for p in prices] == [("OK", 2)]
        assert [e.row for e in errors] == [3, 4, 5, 6, 7, 8, 9]
        assert "positive" in errors[0].reason and "already given on line 2" in errors[5].reason

    def test_wrong_header(self) -> None:
        prices, errors = parse_manual_csv("ticker,price\nA,1\n", now=NOW)
        assert prices == [] and errors[0].row == 1


class TestManualSource:
    async def test_serves_the_newest_entry(self) -> None:
        store = InMemoryManualStore()
        prices, _ = parse_manual_csv(
            "symbol,price,currency,as_of\nHOUSE,450000,EUR,2026-09-01\n", now=NOW
        )
        older, _ = parse_manual_csv(
            "symbol,price,currency,as_of\nHOUSE,1,EUR,2026-01-01\n", now=NOW
        )
        await store.put(prices)
        await store.put(older)
        source = ManualSource(store, clock=lambda: NOW)
        house, other = await source.fetch(
            [SymbolRequest("HOUSE", "HOUSE", "EUR"), SymbolRequest("X", "X")]
        )
        assert house.quote is not None and house.quote.price == Decimal("450000")
        assert house.quote.fetched_at == NOW and house.quote.source == "manual"
        assert isinstance(other.error, UnknownSymbol)
