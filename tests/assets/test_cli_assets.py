"""``pulsefolio assets refresh``, ``sources`` and ``import-prices``, run as real commands."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from pulsefolio.assets.board import StatusBoard
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.core.db.models import Asset, PriceHistory
from pulsefolio.core.domain import AssetClass


async def _run(*args: str, data_dir, namespace: str, **extra_env: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
    env["PULSEFOLIO_NAMESPACE"] = namespace
    env.update(extra_env)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pulsefolio.cli.main", "--data-dir", str(data_dir), *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


class TestAssetsCommand:
    async def test_refresh_and_sources_through_ready_json(
        self, tmp_path, settings, market, engine, cache, stream, redis_client, seed
    ) -> None:  # type: ignore[no-untyped-def]
        await seed([("AAPL", "USD", AssetClass.STOCK, []), ("BND", "USD", AssetClass.BOND, [])])
        data_dir = tmp_path / "platform"
        data_dir.mkdir()
        urls = {k: getattr(settings, k) for k in ("database_url", "redis_url", "nats_url")}
        (data_dir / "ready.json").write_text(json.dumps(urls))

        code, out = await _run("assets", "sources", data_dir=data_dir,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 0 and "no refresh cycle has reported yet" in out

        code, out = await _run("assets", "refresh", data_dir=data_dir,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 0, out
        assert "priced 2 of 2 assets" in out
        held = await cache.get_prices()
        assert set(held) == {"AAPL", "BND"} and held["AAPL"].source == "simulated"

        board = StatusBoard(redis_client, settings.namespace)
        loop = RefreshLoop(settings, {"simulated": market}, engine, cache, stream, board=board)
        await loop.run_once()
        code, out = await _run("assets", "sources", data_dir=data_dir,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 0 and "simulated" in out and "healthy" in out and "last cycle" in out

    async def test_a_stalled_source_is_one_line_before_the_summary(
        self, tmp_path, settings, seed
    ) -> None:  # type: ignore[no-untyped-def]
        """Yahoo's requests go through a local proxy that accepts and never answers, so the
        source times out for real."""
        await seed([("AAPL", "USD", AssetClass.STOCK, [("yahoo", "AAPL")]),
                    ("BND", "USD", AssetClass.BOND, [])])  # fmt: skip
        data_dir = tmp_path / "platform"
        data_dir.mkdir()
        urls = {k: getattr(settings, k) for k in ("database_url", "redis_url", "nats_url")}
        (data_dir / "ready.json").write_text(json.dumps(urls))
        held: list[asyncio.StreamWriter] = []

        async def stall(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            held.append(writer)

        server = await asyncio.start_server(stall, "127.0.0.1", 0)
        proxy = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            code, out = await _run(
                "assets", "refresh", data_dir=data_dir, namespace=settings.namespace,
                PULSEFOLIO_SOURCE_TIMEOUT="1", HTTPS_PROXY=proxy, https_proxy=proxy,
                NO_PROXY="", no_proxy="",
            )  # fmt: skip
        finally:
            server.close()
            for writer in held:
                writer.close()
        assert code == 0, out
        assert held, "the source never reached the stalling proxy"
        assert "Traceback" not in out and "CancelledError" not in out, out
        failures = [line for line in out.splitlines() if "source yahoo failed" in line]
        assert len(failures) == 1 and "no answer within 1.0 s" in failures[0], out
        assert "priced 1 of 2 assets" in out and "no price: AAPL" in out, out

    async def test_no_platform_is_one_line(self, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
        code, out = await _run("assets", "sources", data_dir=tmp_path,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 2 and "PULSEFOLIO_DATABASE_URL" in out and "Traceback" not in out


class TestImportPrices:
    async def test_good_file_then_bad_file(self, tmp_path, settings, engine, cache, seed) -> None:  # type: ignore[no-untyped-def]
        await seed([("HOUSE", "EUR", AssetClass.BOND, [("manual", "HOUSE")]),
                    ("PRIV", "USD", AssetClass.STOCK, [("manual", "PRIV")])])  # fmt: skip
        data_dir = tmp_path / "platform"
        data_dir.mkdir()
        urls = {k: getattr(settings, k) for k in ("database_url", "redis_url", "nats_url")}
        (data_dir / "ready.json").write_text(json.dumps(urls))
        good = tmp_path / "good.csv"
        good.write_text("symbol,price,currency,as_of\nHOUSE,450000,EUR,2025-09-01\n"
                        "PRIV,12.345,USD,2025-09-21T16:00:00+01:00\n")  # fmt: skip
        code, out = await _run("assets", "import-prices", str(good), data_dir=data_dir,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 0 and "stored 2 manual prices" in out, out
        held = await cache.get_prices(["HOUSE", "PRIV"])
        assert held["PRIV"].price == Decimal("12.345") and held["PRIV"].source == "manual"
        assert held["PRIV"].as_of == datetime(2025, 9, 21, 15, tzinfo=UTC)
        before = await _manual_rows(engine)
        assert before == [("HOUSE", Decimal("450000")), ("PRIV", Decimal("12.345"))]

        bad = tmp_path / "bad.csv"
        bad.write_text("symbol,price,currency,as_of\nHOUSE,460000,EUR,2025-09-02\n"
                       "PRIV,abc,USD,2025-09-02\n")  # fmt: skip
        code, out = await _run("assets", "import-prices", str(bad), data_dir=data_dir,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 1 and "row 3:" in out and "row 2" not in out, out
        assert await _manual_rows(engine) == before
        assert (await cache.get_prices(["HOUSE"]))["HOUSE"].price == Decimal("450000")


async def _manual_rows(engine) -> list[tuple[str, Decimal]]:  # type: ignore[no-untyped-def]
    query = (
        select(Asset.symbol, PriceHistory.price)
        .join(Asset, Asset.id == PriceHistory.asset_id)
        .where(PriceHistory.source == "manual")
        .order_by(Asset.symbol, PriceHistory.as_of)
    )
    async with engine.connect() as conn:
        return [(symbol, Decimal(price)) for symbol, price in await conn.execute(query)]
