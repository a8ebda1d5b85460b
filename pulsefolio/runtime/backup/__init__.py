"""Backups of the database: physical base backups of the embedded cluster, logical dumps of an
external server, each with a manifest that restore checks the result against.
"""

from pulsefolio.runtime.backup.manifest import Manifest, table_checksums
from pulsefolio.runtime.backup.take import restore, take

__all__ = ["Manifest", "restore", "table_checksums", "take"]
