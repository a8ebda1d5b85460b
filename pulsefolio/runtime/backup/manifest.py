"""What a backup promises: per-table row counts and checksums, file checksums, where it came from.

A table's checksum is the md5 of its rows as text, in a total order (the rows' own text, bytewise),
so two databases holding the same rows give the same checksum whatever their physical layout.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import asyncpg

MANIFEST = "manifest.json"
Method = Literal["physical", "logical"]

_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname
"""


@dataclass
class Manifest:
    method: Method
    database: str
    server_version: str
    tables: dict[str, dict[str, Any]]
    files: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    format: int = 1

    def write(self, folder: Path) -> Path:
        path = folder / MANIFEST
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        if not path.is_file():
            raise FileNotFoundError(f"{folder} holds no {MANIFEST}: not a Pulsefolio backup")
        return cls(**json.loads(path.read_text()))


async def table_checksums(
    conn: asyncpg.Connection,
) -> dict[str, dict[str, Any]]:
    """``{table: {"rows": n, "md5": hex}}`` for every table of the ``public`` schema."""
    result: dict[str, dict[str, Any]] = {}
    for record in await conn.fetch(_TABLES):
        name = record["relname"]
        quoted = '"' + name.replace('"', '""') + '"'
        rows, digest = await conn.fetchrow(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' "  # noqa: S608
            f"ORDER BY t::text COLLATE \"C\"), '')) FROM {quoted} AS t"
        )
        result[name] = {"rows": rows, "md5": digest}
    return result


async def describe(url: str) -> tuple[str, dict[str, dict[str, Any]]]:
    """The server version and table checksums of the database at ``url`` (plain URL)."""
    conn = await asyncpg.connect(url)
    try:
        version = await conn.fetchval("SHOW server_version")
        return str(version), await table_checksums(conn)
    finally:
        await conn.close()


def file_checksums(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` but the manifest, by relative path."""
    sums: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            sums[str(path.relative_to(folder))] = digest.hexdigest()
    return sums


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """What differs between two ``{name: value}`` maps, one line each (empty: identical)."""
    lines = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            lines.append(f"{name}: missing")
        elif name not in expected:
            lines.append(f"{name}: not in the backup")
        elif expected[name] != actual[name]:
            lines.append(f"{name}: expected {expected[name]}, found {actual[name]}")
    return lines
