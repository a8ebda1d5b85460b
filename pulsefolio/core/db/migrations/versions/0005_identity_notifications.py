"""Notify listeners when a user or a personal API token changes or goes away.

The portfolio service keeps callers' identities in memory and forgets one when it hears of a
change on the channel ``pulsefolio_identity`` (payload: the user id), so a role change, a
deleted user or a revoked token takes effect at once on every instance, also when made straight
in the database. Notifications are sent at commit; a rolled-back change sends none.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE FUNCTION pulsefolio_identity_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('pulsefolio_identity', OLD.id::text);
  ELSE
    PERFORM pg_notify('pulsefolio_identity', OLD.user_id::text);
  END IF;
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER users_identity_changed AFTER UPDATE OR DELETE ON users FOR EACH ROW "
        "EXECUTE FUNCTION pulsefolio_identity_changed()"
    )
    # A token's last use is recorded once a minute: that changes nobody's identity.
    op.execute(
        "CREATE TRIGGER api_tokens_identity_changed AFTER UPDATE OF revoked_at, expires_at, "
        "user_id, token_hash OR DELETE ON api_tokens FOR EACH ROW "
        "EXECUTE FUNCTION pulsefolio_identity_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER api_tokens_identity_changed ON api_tokens")
    op.execute("DROP TRIGGER users_identity_changed ON users")
    op.execute("DROP FUNCTION pulsefolio_identity_changed()")
