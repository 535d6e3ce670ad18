"""`parindex backup`: one consistent snapshot of the rows and the files they name."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import Storage, default_storage
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import connection, models, transaction
from django.utils import timezone

from .common import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_DIR,
    BackupError,
    HashingReader,
    backed_up_models,
    data_member,
    file_fields,
    file_sha256,
    migration_state,
    parindex_version,
    row_line,
)

ROWS_PER_QUERY = 2000


class RowSerializer(PythonSerializer):
    """Django's python serializer, many-to-many fields left out: their auto-created tables
    are dumped as models of their own (one query per table, not one per row)."""

    def handle_m2m_field(self, obj: Any, field: Any) -> None:
        return None


@dataclass
class BackupReport:
    path: Path
    manifest: dict[str, Any]
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


@contextlib.contextmanager
def read_snapshot() -> Iterator[str]:
    """One read transaction for every query inside; yields how it was taken. PostgreSQL:
    REPEATABLE READ, READ ONLY. SQLite: a deferred transaction (a read snapshot in WAL mode
    that never blocks the writers; Django's atomic() would take the write lock, IMMEDIATE).
    Inside a transaction already open (a caller's, the tests'): that one."""
    if connection.in_atomic_block:
        yield "caller's transaction"
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        raw.execute("BEGIN DEFERRED")
        try:
            yield "sqlite deferred read transaction"
        finally:
            raw.execute("ROLLBACK")
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                how = "postgresql repeatable read, read only"
            else:  # pragma: no cover - parindex runs on SQLite or PostgreSQL
                how = f"{connection.vendor} transaction"
        yield how


def _dump_model(
    model: type[models.Model], out: Path, files: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """Write the model's rows (by primary key) to `out`; note the files they name."""
    fields = file_fields(model)
    sha = hashlib.sha256()
    rows = 0
    serializer = RowSerializer()
    qs = model._base_manager.order_by("pk")
    with out.open("wb") as fh:
        for obj in qs.iterator(chunk_size=ROWS_PER_QUERY):
            (row,) = serializer.serialize([obj])
            line = row_line(row)
            fh.write(line)
            sha.update(line)
            rows += 1
            for f in fields:
                name = row["fields"].get(f.name) or ""
                if name:
                    where = {"model": model._meta.label_lower, "pk": obj.pk, "field": f.name}
                    files.setdefault(name, []).append(where)
    return {"file": data_member(model), "rows": rows, "sha256": sha.hexdigest()}


def _media_storage() -> Storage:
    """Every FileField of parindex stores in the default storage (the archive's `media/`)."""
    for model in backed_up_models():
        for f in file_fields(model):
            if f.storage is not default_storage and type(f.storage) is not type(default_storage):
                raise BackupError(  # pragma: no cover - a guard for a future storage
                    f"{model._meta.label}.{f.name} dùng kho tệp khác kho mặc định."
                )
    return default_storage


def backup_write(out: str | os.PathLike[str]) -> BackupReport:
    """Write the archive to `out` (written under a temporary name, renamed when complete).
    Files named by rows but absent from the storage are listed in the manifest and the
    report (`missing`), never silently left out."""
    out_path = Path(out)
    if out_path.exists():
        raise BackupError(f"Tệp {out_path} đã có; chọn tên khác.")
    storage = _media_storage()
    with tempfile.TemporaryDirectory(prefix="parindex-backup-") as tmp:
        tables: dict[str, Any] = {}
        files: dict[str, list[dict[str, Any]]] = {}
        with read_snapshot() as how:
            created = timezone.now()
            state = migration_state()
            for model in backed_up_models():
                part = Path(tmp) / data_member(model).replace("/", "_")
                tables[model._meta.label_lower] = _dump_model(model, part, files)
        media: list[dict[str, Any]] = []
        missing: list[dict[str, Any]] = []
        for name in sorted(files):
            try:
                with storage.open(name, "rb") as fh:
                    digest, size = file_sha256(fh)
            except FileNotFoundError:
                missing.extend({**where, "name": name} for where in files[name])
                continue
            media.append({"name": name, "size": size, "sha256": digest})
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "parindex_version": parindex_version(),
            "created_at": created.isoformat(),
            "database": {"vendor": connection.vendor, "snapshot": how},
            "migrations": state,
            "tables": tables,
            "media": media,
            "missing_files": missing,
        }
        _write_archive(out_path, manifest, Path(tmp), storage, created.timestamp())
    return BackupReport(path=out_path, manifest=manifest, missing=missing)


def _write_archive(
    out: Path, manifest: dict[str, Any], tmp: Path, storage: Storage, mtime: float
) -> None:
    partial = out.with_name(out.name + ".partial")
    try:
        partial.touch(mode=0o600)  # rows, password hashes, documents: the operator's only
        with tarfile.open(partial, "w:gz", format=tarfile.PAX_FORMAT) as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            _add(tar, MANIFEST, io.BytesIO(body), len(body), mtime)
            for table in manifest["tables"].values():
                part = tmp / table["file"].replace("/", "_")
                with part.open("rb") as fh:
                    _add(tar, table["file"], fh, part.stat().st_size, mtime)
            for item in manifest["media"]:
                with storage.open(item["name"], "rb") as fh:
                    reader = HashingReader(fh)
                    _add(tar, MEDIA_DIR + item["name"], reader, item["size"], mtime)
                if reader.hexdigest() != item["sha256"]:
                    raise BackupError(f"Tệp {item['name']} thay đổi trong khi sao lưu.")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def _add(tar: tarfile.TarFile, name: str, fh: Any, size: int, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    tar.addfile(info, fh)
