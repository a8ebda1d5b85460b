"""Who a token belongs to, remembered for a few seconds so that requests skip the database.

An access token is a signed JWT, verified once (:class:`VerifiedTokens`); the user row behind it
is cached, keyed by user id. A personal API token (``pf_...``) is looked up by its hash and
cached under that hash. Through this instance's own ORM sessions, a committed change to a user
or an API token drops its entries at once (:func:`_forget_committed`); a change anywhere else
(another instance, or straight in the database) reaches every instance as a PostgreSQL
notification (:mod:`.changes`). While that notification channel is up entries live
:data:`LISTENING_TTL_SECONDS`; while it is down, :data:`TTL_SECONDS`, so a user deleted or a
token revoked elsewhere is refused at most that long afterwards.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from pulsefolio.core.db.models import ApiToken, User

TTL_SECONDS = 5.0
# While this process hears every change (:mod:`.changes`), an entry is only a backstop's age.
LISTENING_TTL_SECONDS = 300.0
MAX_ENTRIES = 200_000
_DIRTY = "pf_auth_dirty"


@dataclass(slots=True)
class AuthCache:
    """Values by key for ``ttl`` seconds; an API token's key is also filed under its user."""

    ttl: float
    max_entries: int = MAX_ENTRIES
    listening: bool = False
    _entries: dict[str, tuple[float, Any]] = field(default_factory=dict)
    _by_user: dict[int, set[str]] = field(default_factory=dict)

    def get(self, key: str) -> Any | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: str, user_id: int, value: Any, *, lasting: bool = True) -> None:
        """``lasting=False`` keeps the entry the short time even while listening (a personal
        token's lookup also records its last use, to the minute)."""
        if len(self._entries) >= self.max_entries:
            self.clear()
        ttl = LISTENING_TTL_SECONDS if self.listening and lasting else self.ttl
        self._entries[key] = (time.monotonic() + ttl, value)
        self._by_user.setdefault(user_id, set()).add(key)

    def forget_user(self, user_id: int) -> None:
        for key in self._by_user.pop(user_id, ()):
            self._entries.pop(key, None)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
        self._by_user.clear()


@dataclass(frozen=True, slots=True)
class Verdict:
    user_id: int
    expires: float  # epoch seconds
    issued: float  # epoch seconds (the token's iat)


@dataclass(slots=True)
class VerifiedTokens:
    """Access tokens whose signature was checked, with their user, expiry and issue time.

    Verifying a JWT (base64, JSON, HMAC) costs more than the rest of a cached read; a token
    cannot change, so its verdict holds until it expires. Revocation works on the user behind
    it (:class:`AuthCache`), not here.
    """

    max_entries: int = MAX_ENTRIES
    _entries: dict[str, Verdict] = field(default_factory=dict)

    def get(self, token: str) -> Verdict | None:
        verdict = self._entries.get(token)
        if verdict is None:
            return None
        if verdict.expires <= time.time():
            del self._entries[token]
            return None
        return verdict

    def put(self, token: str, verdict: Verdict) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[token] = verdict


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def api_token_key(token_hash: str) -> str:
    return f"api:{token_hash}"


_caches: weakref.WeakKeyDictionary[AsyncEngine, AuthCache] = weakref.WeakKeyDictionary()


def cache_for(engine: AsyncEngine) -> AuthCache:
    """The cache of one process's database (tests run apps on several databases at once)."""
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches[engine] = AuthCache(TTL_SECONDS)
    return cache


def _changed(row: User | ApiToken) -> tuple[str, object]:
    """What to forget for a changed row, from its loaded state only (no lazy load)."""
    loaded: dict[str, Any] = inspect(row).dict  # type: ignore[attr-defined]
    if isinstance(row, User):
        return ("user", loaded.get("id"))
    if loaded.get("token_hash") is not None:
        return ("api", loaded["token_hash"])
    return ("user", loaded.get("user_id"))


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context: object) -> None:
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, User | ApiToken):
            session.info.setdefault(_DIRTY, []).append(_changed(row))


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    """Drop the entries of users and API tokens this session changed or deleted."""
    for kind, value in session.info.pop(_DIRTY, []):
        for cache in list(_caches.values()):
            if value is None:
                cache.clear()
            elif kind == "user":
                cache.forget_user(int(str(value)))
            else:
                cache.forget(api_token_key(str(value)))


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(_DIRTY, None)
