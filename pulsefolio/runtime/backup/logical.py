"""Logical backups (``pg_dump -Fc``) for a server Pulsefolio does not run: any reachable
PostgreSQL, of any version the client tools support, with no access to its files.

The checksums and the dump read one snapshot: the checksums are taken in a repeatable-read
transaction that exports its snapshot, and ``pg_dump --snapshot`` dumps from that same one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime.backup.manifest import Manifest, describe, file_checksums, table_checksums
from pulsefolio.runtime.backup.physical import check_files, verify
from pulsefolio.runtime.backup.tools import BackupError, libpq, run, run_input

DUMP = "database.dump"


async def take(url: str, folder: Path) -> Manifest:
    """Dump the database at ``url`` into ``folder`` with its manifest."""
    conninfo, env = libpq(url)
    conn = await asyncpg.connect(with_database(url, driver=None))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            version = str(await conn.fetchval("SHOW server_version"))
            database = str(await conn.fetchval("SELECT current_database()"))
            tables = await table_checksums(conn)
            await asyncio.to_thread(
                run, "pg_dump", "-Fc", f"--snapshot={snapshot}", "-f", folder / DUMP,
                "--no-password", "-d", conninfo, env=env,
            )  # fmt: skip
    finally:
        await conn.close()
    manifest = Manifest("logical", database, version, tables, files=file_checksums(folder))
    manifest.write(folder)
    return manifest


async def restore(folder: Path, url: str, database: str) -> Manifest:
    """Restore the dump into the new database ``database`` on the server of ``url``; verify it."""
    manifest = Manifest.read(folder)
    check_files(folder, manifest)
    admin = await asyncpg.connect(with_database(url, "postgres", driver=None))
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
            raise BackupError(f"database {database} already exists; restore into a new one")
        await admin.execute(f'CREATE DATABASE "{database}"')
        server_major = int(await admin.fetchval("SHOW server_version_num")) // 10000
    finally:
        await admin.close()
    conninfo, env = libpq(url, database)
    await asyncio.to_thread(_load, folder / DUMP, conninfo, env, server_major)
    _, tables = await describe(with_database(url, database, driver=None))
    verify(manifest, tables)
    return manifest


def _load(dump: Path, conninfo: str, env: dict[str, str], server_major: int) -> None:
    """Replay ``dump`` in one transaction. The script comes from this pg_restore, which may be
    newer than the server: settings the server does not know yet are left out."""
    script = run("pg_restore", "--no-owner", "-f", "-", dump)
    if server_major < 17:
        script = "\n".join(
            line for line in script.splitlines() if not line.startswith("SET transaction_timeout")
        )
    run_input(
        "psql", "--no-password", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-q",
        "-d", conninfo, stdin=script, env=env,
    )  # fmt: skip
