"""Database URLs naming several servers, in libpq's spelling and in SQLAlchemy's."""

from __future__ import annotations

from pulsefolio.core.db.urls import hosts, hosts_in_query, with_database

LIBPQ = "postgresql://u:p%40ss@db1:5432,db2/pf?target_session_attrs=read-write"


class TestHostsInQuery:
    def test_a_libpq_host_list_moves_into_the_query(self) -> None:
        assert hosts_in_query(LIBPQ) == (
            "postgresql://u:p%40ss@/pf?host=db1%3A5432&host=db2%3A5432"
            "&target_session_attrs=read-write"
        )

    def test_a_single_host_url_is_unchanged(self) -> None:
        url = "postgresql://u:p@db1:5432/pf?sslmode=require"
        assert hosts_in_query(url) == url


class TestWithDatabase:
    def test_each_client_gets_every_host_in_order(self) -> None:
        assert hosts(LIBPQ) == ["db1:5432", "db2:5432"]
        assert with_database(LIBPQ, "postgres", driver=None) == (
            "postgresql://u:p%40ss@db1:5432,db2:5432/postgres?target_session_attrs=read-write"
        )
        assert with_database(LIBPQ).startswith("postgresql+asyncpg://u:p%40ss@/pf?host=db1")
