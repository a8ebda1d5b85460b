"""``pulsefolio assets refresh`` and ``sources``, run as real commands against real servers."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from pulsefolio.assets.board import StatusBoard
from pulsefolio.assets.refresh import RefreshLoop
from pulsefolio.core.domain import AssetClass


async def _run(*args: str, data_dir, namespace: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
    env["PULSEFOLIO_NAMESPACE"] = namespace
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

    async def test_no_platform_is_one_line(self, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
        code, out = await _run("assets", "sources", data_dir=tmp_path,
                               namespace=settings.namespace)  # fmt: skip
        assert code == 2 and "PULSEFOLIO_DATABASE_URL" in out and "Traceback" not in out
