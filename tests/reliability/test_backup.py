"""Backup and restore on real servers: the restored database has the same rows and checksums."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
import uuid
from pathlib import Path

import asyncpg
import pytest

from pulsefolio.core.db.urls import with_database
from pulsefolio.runtime import bootstrap
from pulsefolio.runtime.backup import Manifest, restore, take
from pulsefolio.runtime.backup.manifest import describe
from pulsefolio.runtime.backup.physical import verify
from pulsefolio.runtime.backup.tools import BackupError
from tests.cli.stack import REPO, pulsefolio

EXTERNAL = os.environ.get(
    "PULSEFOLIO_EXTERNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _seed(url: str) -> None:
    await bootstrap.seed(url, users=3, seed=7, demo_email="b@example.com", demo_password="pw-1")


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """A ``pulsefolio`` command's environment: this database, a private data directory."""
    return {
        "PULSEFOLIO_DATABASE_URL": database_url,
        "PULSEFOLIO_DATA_DIR": str(tmp_path / "d"),
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
    }


def test_physical_backup_restores_identical(database_url: str, reachable_tmp_path: Path) -> None:
    asyncio.run(_seed(database_url))
    folder = reachable_tmp_path / "backup"
    manifest = take(database_url, folder, embedded=True, system_user="pulsefolio")
    assert manifest.method == "physical"
    assert manifest.tables["users"]["rows"] >= 3
    assert manifest.tables["transactions"]["rows"] > 0
    assert "base/backup_manifest" in manifest.files
    _, live = asyncio.run(describe(with_database(database_url, driver=None)))
    assert manifest.tables == live

    target = reachable_tmp_path / "restored"
    restored = restore(folder, data_dir=target, url=None, database=None, system_user="pulsefolio")
    assert restored.tables == manifest.tables
    assert (target / "postgres" / "PG_VERSION").exists()
    assert (target / "postgres-password").read_text() == (folder / "postgres-password").read_text()
    with pytest.raises(BackupError, match="already holds"):
        restore(folder, data_dir=target, url=None, database=None, system_user="pulsefolio")

    changed = dict(restored.tables, users={"rows": 3, "md5": "0" * 32})
    with pytest.raises(BackupError, match="users: expected"):
        verify(manifest, changed)
    next(p for p in (folder / "base" / "global").iterdir() if p.is_file()).write_bytes(b"x")
    with pytest.raises(BackupError, match="damaged"):
        restore(folder, data_dir=reachable_tmp_path / "b", url=None, database=None,
                system_user="pulsefolio")  # fmt: skip


@pytest.mark.external
def test_logical_backup_of_external_server_through_the_cli(tmp_path: Path) -> None:
    """``pulsefolio backup`` and ``restore`` against the machine's own PostgreSQL."""
    name = f"pf_backup_{uuid.uuid4().hex[:10]}"
    restored_name = f"{name}_copy"
    source = with_database(EXTERNAL, name, driver=None)

    async def create() -> None:
        admin = await asyncpg.connect(EXTERNAL)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        await bootstrap.migrate(source)
        await _seed(source)

    async def drop() -> None:
        admin = await asyncpg.connect(EXTERNAL)
        try:
            for db in (name, restored_name):
                await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(create())
    try:
        env = _env(source, tmp_path)
        out = subprocess.run(
            pulsefolio("backup", "--to", str(tmp_path / "b")), env=env, cwd=REPO,
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        manifest = Manifest.read(tmp_path / "b")
        assert manifest.method == "logical"
        assert manifest.server_version.startswith("15")
        assert manifest.tables["users"]["rows"] >= 3
        out = subprocess.run(
            pulsefolio("restore", str(tmp_path / "b"), "--database", restored_name), env=env,
            cwd=REPO, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert "identical" in out.stdout
        _, copy = asyncio.run(describe(with_database(EXTERNAL, restored_name, driver=None)))
        assert copy == manifest.tables
    finally:
        asyncio.run(drop())


def test_scheduled_backups_keep_the_newest(database_url: str, tmp_path: Path) -> None:
    """``backup --schedule`` (what ``up`` supervises) backs up on its interval and prunes."""
    root = tmp_path / "backups"
    env = _env(database_url, tmp_path)
    env |= {"PULSEFOLIO_BACKUP_DIR": str(root), "PULSEFOLIO_BACKUP_INTERVAL": "1",
            "PULSEFOLIO_BACKUP_KEEP": "2"}  # fmt: skip
    log = tmp_path / "schedule.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            pulsefolio("backup", "--schedule"), env=env, cwd=REPO, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 40
        while log.read_text().count("logical backup in") < 4:
            assert child.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        child.terminate()
        child.wait(10)
    made = re.findall(r"logical backup in (\S+);", log.read_text())
    kept = sorted(p for p in root.iterdir() if (p / "manifest.json").exists())
    assert [str(path) for path in kept] == made[2:4]
    assert not Path(made[0]).exists() and not Path(made[1]).exists()
