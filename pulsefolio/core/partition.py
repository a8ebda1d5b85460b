"""Which portfolio instance owns a user: instance ``user_id mod instances``.

Every instance loads, revalues and streams only the users it owns; the gateway sends each
request to its caller's owner (:mod:`pulsefolio.gateway.partition`), and to another instance,
chosen by the same user key, while the owner is down. Users are numbered in sign-up order, so
the remainder spreads them evenly.
"""

from __future__ import annotations

from dataclasses import dataclass

from pulsefolio.core.errors import ConfigurationError
from pulsefolio.core.settings import Settings


def owner_of(user_id: int, instances: int) -> int:
    """The 0-based index of the instance that owns ``user_id``."""
    return user_id % instances


@dataclass(frozen=True, slots=True)
class Partition:
    """The users one instance owns: those whose :func:`owner_of` is ``index``."""

    index: int
    count: int

    def owns(self, user_id: int) -> bool:
        return owner_of(user_id, self.count) == self.index


def partition_of(settings: Settings) -> Partition | None:
    """This instance's partition, or None when it serves every user."""
    if settings.portfolio_shard is None or not settings.partition_users:
        return None
    if settings.portfolio_shard >= settings.portfolio_instances:
        raise ConfigurationError(
            f"portfolio_shard {settings.portfolio_shard} is not below portfolio_instances "
            f"{settings.portfolio_instances}"
        )
    return Partition(settings.portfolio_shard, settings.portfolio_instances)
