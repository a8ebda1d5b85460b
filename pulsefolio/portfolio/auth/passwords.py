"""Password hashing with argon2id, and a check that costs the same whether the user exists.

Production uses argon2-cffi's default parameters (RFC 9106 low-memory profile). A cheaper
:class:`~argon2.PasswordHasher` can be handed to ``create_app`` for tests only.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10


class Passwords:
    """Hashes and verifies passwords off the event loop (argon2 is slow on purpose)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Verified against when the e-mail is unknown, so both paths take one argon2 run.
        self._dummy = self._hasher.hash("unknown-user-placeholder")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; with ``stored_hash`` None, spends the time and fails."""

        def run() -> bool:
            try:
                return self._hasher.verify(stored_hash or self._dummy, password)
            except (VerificationError, InvalidHashError):
                return False

        matched = await asyncio.to_thread(run)
        return matched and stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)
