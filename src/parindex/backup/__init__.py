"""Backup and restore of the whole database and the uploaded files (`parindex backup`,
`parindex restore`).

One archive (.tar.gz) holds, in this order:
- `manifest.json`: the format, parindex's version, the database vendor, when it was made, the
  migrations applied per app (all of them and the latest), every table's file, row count and
  SHA-256, every uploaded file's name, size and SHA-256, and the files rows name but the disk
  did not have (`missing_files`);
- `data/<app>.<model>.jsonl`: every row of every model (all installed apps, Django's own and
  the auto-created many-to-many tables included), one JSON object per line in the shape of
  Django's serializers (`model`, `pk`, `fields`; no natural keys), ordered by primary key,
  with full-precision times: independent of the database vendor;
- `media/<name>`: every file a FileField of a row names (evidence, plan attachments, survey
  import files), stored under its storage name.

`snapshot.backup_write` reads the rows in one transaction (REPEATABLE READ, read only, on
PostgreSQL; one deferred read transaction on SQLite, which does not block the writers);
`restore.restore_archive` verifies every hash before it writes anything, then loads all rows
in one transaction (refused unless the target is empty, or `force`), restores and re-checks
the files, and resets PostgreSQL's sequences.
"""

from .common import BackupError

__all__ = ["BackupError"]
