"""``pulsefolio users promote|demote``, run as a real command on the test database, while a
portfolio instance serves: the new role applies to the user's next request."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.portfolio.auth.test_changes import until

MakeUser = Callable[..., Awaitable[Any]]


async def _users(database_url: str, data_dir: Path, *args: str) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULSEFOLIO_")}
    env["PULSEFOLIO_DATABASE_URL"] = database_url
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pulsefolio.cli.main", "--data-dir", str(data_dir), "users", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


async def _creates_an_asset(user: Any, symbol: str) -> int:
    body = {"symbol": symbol, "name": symbol, "asset_class": "stock", "currency": "USD"}
    return int((await user.client.post("/api/v1/assets", json=body)).status_code)


class TestPromoteDemote:
    async def test_the_promoted_user_gets_admin_routes_then_loses_them(
        self, make_user: MakeUser, database_url: str, tmp_path: Path
    ) -> None:
        eve = await make_user()
        assert await _creates_an_asset(eve, "EVE1") == 403
        me = await eve.client.get("/api/v1/me")
        assert me.json()["role"] == "user"  # now cached by the instance

        code, out = await _users(database_url, tmp_path, "promote", eve.email.upper())
        assert code == 0 and "user -> admin" in out, out

        async def admin() -> bool:
            return bool((await eve.client.get("/api/v1/me")).json()["role"] == "admin")

        await until(admin)
        assert await _creates_an_asset(eve, "EVE2") == 201

        code, out = await _users(database_url, tmp_path, "promote", eve.email)
        assert code == 0 and "already an admin" in out, out
        code, out = await _users(database_url, tmp_path, "demote", eve.email)
        assert code == 0 and "admin -> user" in out, out

        async def user() -> bool:
            return bool((await eve.client.get("/api/v1/me")).json()["role"] == "user")

        await until(user)
        assert await _creates_an_asset(eve, "EVE3") == 403

    async def test_an_unknown_email_is_one_line_and_changes_nothing(
        self, make_user: MakeUser, database_url: str, tmp_path: Path
    ) -> None:
        eve = await make_user()
        code, out = await _users(database_url, tmp_path, "promote", "nobody@example.org")
        assert code == 2, out
        assert out.strip() == "pulsefolio: no user with e-mail nobody@example.org"
        assert (await eve.client.get("/api/v1/me")).json()["role"] == "user"
