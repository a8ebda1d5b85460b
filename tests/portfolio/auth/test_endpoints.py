"""Register, login, refresh, logout, password change, personal API tokens and the login rate
limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from pulsefolio.core.domain import Role
from pulsefolio.core.settings import Settings
from pulsefolio.core.tokens import issue_access_token

MakeUser = Callable[..., Awaitable[Any]]
PASSWORD = "correct horse battery"  # make_user's default


class TestRegister:
    async def test_creates_user_without_exposing_hash(
        self, client: httpx.AsyncClient, count_rows: Callable[[str], Awaitable[int]]
    ) -> None:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "ann@example.com", "password": PASSWORD, "base_currency": "eur"},
        )
        assert response.status_code == 201
        body = response.json()
        assert body["email"] == "ann@example.com"
        assert body["base_currency"] == "EUR"
        assert body["role"] == "user"
        assert "password_hash" not in body
        assert await count_rows("users") == 1

    async def test_duplicate_email_in_other_case_conflicts(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await make_user("bob@example.com")
        response = await client.post(
            "/api/v1/auth/register", json={"email": "BOB@example.com", "password": PASSWORD}
        )
        assert response.status_code == 409

    async def test_short_password_and_bad_fields_are_422(
        self, client: httpx.AsyncClient, count_rows: Callable[[str], Awaitable[int]]
    ) -> None:
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": "not-an-email", "password": "short", "base_currency": "EURO"},
        )
        assert response.status_code == 422
        assert set(response.json()["fields"]) == {"email", "password", "base_currency"}
        assert await count_rows("users") == 0


class TestLogin:
    async def test_returns_bearer_tokens_that_work(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user("carol@example.com")
        response = await client.post(
            "/api/v1/auth/login", json={"email": "Carol@example.com", "password": PASSWORD}
        )
        assert response.status_code == 200
        tokens = response.json()
        assert tokens["token_type"] == "bearer"
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.status_code == 200
        assert me.json()["id"] == user.id

    async def test_wrong_password_and_unknown_email_look_the_same(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await make_user("dan@example.com")
        wrong = await client.post(
            "/api/v1/auth/login", json={"email": "dan@example.com", "password": "x" * 12}
        )
        unknown = await client.post(
            "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x" * 12}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()

    async def test_sixth_attempt_in_a_minute_is_rate_limited(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        await make_user("eve@example.com")
        address = {"X-Forwarded-For": "198.51.100.7"}
        statuses = []
        for _ in range(6):
            response = await client.post(
                "/api/v1/auth/login",
                json={"email": "eve@example.com", "password": "y" * 12},
                headers=address,
            )
            statuses.append(response.status_code)
        assert statuses == [401] * 5 + [429]
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        # even the right password is refused until the window passes
        right = await client.post(
            "/api/v1/auth/login",
            json={"email": "eve@example.com", "password": PASSWORD},
            headers=address,
        )
        assert right.status_code == 429
        # another address is counted apart
        elsewhere = await client.post(
            "/api/v1/auth/login",
            json={"email": "eve@example.com", "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert elsewhere.status_code == 200


class TestRefresh:
    async def test_rotates_and_refuses_reuse(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        first = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert first.status_code == 200
        rotated = first.json()
        assert rotated["refresh_token"] != user.refresh_token
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {rotated['access_token']}"}
        )
        assert me.status_code == 200
        reused = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert reused.status_code == 401
        # reuse revoked the whole family, including the successor
        successor = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
        )
        assert successor.status_code == 401

    async def test_unknown_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
        assert response.status_code == 401


class TestLogout:
    async def test_revokes_refresh_token(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        response = await client.post(
            "/api/v1/auth/logout", json={"refresh_token": user.refresh_token}
        )
        assert response.status_code == 204
        again = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert again.status_code == 401


class TestBearer:
    async def test_missing_token_is_401(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/api/v1/me")
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"

    async def test_expired_token_is_401(
        self, client: httpx.AsyncClient, make_user: MakeUser, settings: Settings
    ) -> None:
        user = await make_user()
        old = datetime.now(UTC) - timedelta(hours=2)
        token = issue_access_token(settings, user.id, Role.USER, now=old)
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]

    async def test_forged_signature_is_401(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        exp = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())
        forged = jwt.encode(
            {"sub": str(user.id), "role": "admin", "type": "access", "exp": exp},
            "not-the-secret-but-long-enough-for-hs256",
            algorithm="HS256",
        )
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401

    async def test_refresh_token_is_not_an_access_token(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        response = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {user.refresh_token}"}
        )
        assert response.status_code == 401


async def assert_ended(client: httpx.AsyncClient, user: Any, other: dict[str, str]) -> None:
    """Both sign-ins (the user's and ``other``, a second login's pair) have ended."""
    for old in (user.refresh_token, other["refresh_token"]):
        refused = await client.post("/api/v1/auth/refresh", json={"refresh_token": old})
        assert refused.status_code == 401
    for old in (user.access_token, other["access_token"]):
        for path in ("/api/v1/me", "/api/v1/portfolio"):  # the full and the fast path
            ended = await client.get(path, headers={"Authorization": f"Bearer {old}"})
            assert ended.status_code == 401, (path, ended.text)


class TestPasswordChange:
    async def test_new_password_signs_in_and_every_earlier_sign_in_ends(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user("pat@example.com")
        other = await client.post(
            "/api/v1/auth/login", json={"email": "pat@example.com", "password": PASSWORD}
        )
        assert other.status_code == 200
        script = (await user.client.post("/api/v1/tokens", json={"name": "script"})).json()
        new = "a much longer passphrase"
        changed = await user.client.post(
            "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": new}
        )
        assert changed.status_code == 200, changed.text
        pair = changed.json()
        # this sign-in goes on with the answer's tokens; every earlier one ends at once
        await assert_ended(client, user, other.json())
        renewed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert renewed.status_code == 200
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["id"] == user.id
        login = "/api/v1/auth/login"
        old_login = await client.post(login, json={"email": user.email, "password": PASSWORD})
        assert old_login.status_code == 401
        new_login = await client.post(login, json={"email": user.email, "password": new})
        assert new_login.status_code == 200
        # a personal token is the user's to revoke, not ended by a new password
        scripted = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {script['token']}"}
        )
        assert scripted.status_code == 200

    async def test_refusals_name_the_field_and_change_nothing(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        url, long_enough = "/api/v1/me/password", "another passphrase"
        cases = [
            ({"current_password": "wrong password", "new_password": long_enough},
             "current_password"),
            ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
            ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
            ({"new_password": long_enough}, "current_password"),
        ]  # fmt: skip
        for body, name in cases:
            refused = await user.client.post(url, json=body)
            assert refused.status_code == 422, refused.text
            assert name in refused.json()["fields"], refused.text
        # nothing changed: the old password and the sign-in still work
        again = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert again.status_code == 200
        login = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert login.status_code == 200
        anonymous = await client.post(
            url, json={"current_password": PASSWORD, "new_password": long_enough}
        )
        assert anonymous.status_code == 401

    async def test_guessing_the_current_password_is_rate_limited(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        body = {"current_password": "guess guess", "new_password": "another passphrase"}
        statuses = [(await user.client.post("/api/v1/me/password", json=body)).status_code
                    for _ in range(6)]  # fmt: skip
        # the sign-in that made the user was the first of the five attempts a minute
        assert statuses == [422] * 4 + [429] * 2
        right = {**body, "current_password": PASSWORD}
        limited = await user.client.post("/api/v1/me/password", json=right)
        assert limited.status_code == 429
        assert limited.json()["detail"] == "too many password attempts; try again later"


class TestSignOutEverywhere:
    async def test_every_sign_in_ends_this_one_included_and_personal_tokens_stay(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user("sam@example.com")
        other = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert other.status_code == 200
        script = (await user.client.post("/api/v1/tokens", json={"name": "script"})).json()
        ended = await user.client.delete("/api/v1/me/sessions")
        assert ended.status_code == 204, ended.text
        await assert_ended(client, user, other.json())
        scripted = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {script['token']}"}
        )
        assert scripted.status_code == 200
        again = await client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
        )
        assert again.status_code == 200
        me = await client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"}
        )
        assert me.status_code == 200 and me.json()["id"] == user.id

    async def test_a_stranger_ends_nothing(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            refused = await client.delete("/api/v1/me/sessions", headers=headers)
            assert refused.status_code == 401
        still = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": user.refresh_token}
        )
        assert still.status_code == 200


class TestApiTokens:
    async def test_create_use_list_revoke(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        user = await make_user()
        created = await user.client.post("/api/v1/tokens", json={"name": "script"})
        assert created.status_code == 201
        token = created.json()["token"]
        assert token.startswith("pf_")
        auth = {"Authorization": f"Bearer {token}"}
        me = await client.get("/api/v1/me", headers=auth)
        assert me.status_code == 200 and me.json()["id"] == user.id
        listed = await user.client.get("/api/v1/tokens")
        assert [t["name"] for t in listed.json()] == ["script"]
        assert "token" not in listed.json()[0]
        used = datetime.fromisoformat(listed.json()[0]["last_used_at"])
        assert abs(datetime.now(UTC) - used) < timedelta(seconds=30)
        revoked = await user.client.delete(f"/api/v1/tokens/{created.json()['id']}")
        assert revoked.status_code == 204
        assert (await client.get("/api/v1/me", headers=auth)).status_code == 401

    async def test_another_users_token_is_404_and_stays_valid(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        owner, other = await make_user(), await make_user()
        created = await owner.client.post("/api/v1/tokens", json={"name": "mine"})
        response = await other.client.delete(f"/api/v1/tokens/{created.json()['id']}")
        assert response.status_code == 404
        assert (await other.client.get("/api/v1/tokens")).json() == []
        auth = {"Authorization": f"Bearer {created.json()['token']}"}
        assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
