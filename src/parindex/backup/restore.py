"""`parindex restore`: an archive of `parindex backup` into an empty, migrated database.

Order: read the manifest; refuse a schema the code does not have (newer) or a database not
migrated to the code's; refuse a database with rows (unless `force`); read the whole archive
once and check every hash, size and member (nothing written yet); then, in one transaction:
empty the tables, load every row, check the foreign keys, reset PostgreSQL's sequences,
record the restore in the audit log, write the files and read each back to check its hash.
Any failure rolls the rows back and removes the files written.
"""

from __future__ import annotations

import json
import os
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management.color import no_style
from django.core.serializers.python import Deserializer
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

from .common import (
    CHUNK,
    DATA_DIR,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA_DIR,
    MIGRATE_MADE,
    BackupError,
    HashingReader,
    backed_up_models,
    code_migrations,
    file_sha256,
    safe_media_name,
)

ROWS_PER_INSERT = 1000
MAX_MANIFEST = 64 * 1024 * 1024


@dataclass
class RestoreReport:
    manifest: dict[str, Any]
    rows: int = 0
    files: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)


def _open(path: str | os.PathLike[str]) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r|gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {path}: {exc}") from exc


def _members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    try:
        for info in tar:
            if not info.isfile():
                raise BackupError(f"Tệp sao lưu hỏng: “{info.name}” không phải là tệp thường.")
            fh = tar.extractfile(info)
            assert fh is not None
            yield info, fh
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise BackupError(f"Tệp sao lưu hỏng hoặc bị cắt cụt: {exc}") from exc


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    with _open(path) as tar:
        for info, fh in _members(tar):
            if info.name != MANIFEST or info.size > MAX_MANIFEST:
                break
            try:
                manifest = json.loads(fh.read())
            except ValueError as exc:
                raise BackupError(f"Tệp sao lưu hỏng: {MANIFEST} không đọc được.") from exc
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                break
            if manifest.get("format_version") != FORMAT_VERSION:
                raise BackupError(
                    f"Định dạng sao lưu phiên bản {manifest.get('format_version')} không được "
                    f"hỗ trợ (phiên bản này đọc {FORMAT_VERSION})."
                )
            return manifest
    raise BackupError(f"{path} không phải tệp sao lưu của parindex (thiếu {MANIFEST}).")


def _expected(manifest: dict[str, Any]) -> dict[str, tuple[str, int | None]]:
    """{member name: (sha256, size or None)} of every member the manifest announces."""
    out: dict[str, tuple[str, int | None]] = {}
    models_known = {m._meta.label_lower for m in backed_up_models()}
    for label, table in manifest["tables"].items():
        if label not in models_known:
            raise BackupError(f"Bản sao lưu có bảng {label} mà mã nguồn không có.")
        if table["file"] != f"{DATA_DIR}{label}.jsonl":
            raise BackupError(f"Tệp sao lưu hỏng: tên tệp dữ liệu {table['file']!r}.")
        out[table["file"]] = (table["sha256"], None)
    for item in manifest["media"]:
        if not safe_media_name(item["name"]):
            raise BackupError(f"Tệp sao lưu hỏng: tên tệp {item['name']!r} không hợp lệ.")
        out[MEDIA_DIR + item["name"]] = (item["sha256"], item["size"])
    return out


def check_schema(manifest: dict[str, Any]) -> None:
    """Refuse a backup whose schema is not the code's (naming the app and migration), and a
    database not migrated to the code's schema."""
    on_disk, current = code_migrations()
    backup = {(app, n) for app, s in manifest["migrations"].items() for n in s["applied"]}
    newer = sorted(backup - on_disk)
    if newer:
        app, name = newer[0]
        more = f" (và {len(newer) - 1} migration khác)" if len(newer) > 1 else ""
        raise BackupError(
            f"Bản sao lưu có lược đồ mới hơn mã nguồn: ứng dụng “{app}”, migration “{name}”"
            f"{more} không có trong phiên bản parindex này "
            f"({manifest.get('parindex_version')} đã tạo bản sao lưu). Hãy cài phiên bản "
            "parindex mới hơn rồi khôi phục."
        )
    older = sorted(current - backup)
    if older:
        app, name = older[0]
        raise BackupError(
            f"Bản sao lưu có lược đồ cũ hơn mã nguồn: chưa có migration “{name}” của ứng dụng "
            f"“{app}”. Hãy khôi phục bằng phiên bản parindex "
            f"{manifest.get('parindex_version')} rồi nâng cấp và chạy `parindex manage migrate`."
        )
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        migration, _backwards = plan[0]
        raise BackupError(
            "Cơ sở dữ liệu đích chưa được tạo đủ bảng (chưa chạy migration "
            f"“{migration.app_label}.{migration.name}”): chạy `parindex manage migrate` trước."
        )


def database_rows() -> dict[str, int]:
    """{model: rows} of the tables holding rows, those `migrate` writes left out."""
    out = {}
    for model in backed_up_models():
        label = model._meta.label_lower
        if label not in MIGRATE_MADE and model._base_manager.exists():
            out[label] = model._base_manager.count()
    return out


def verify_archive(path: str | os.PathLike[str], manifest: dict[str, Any]) -> None:
    """Read every member once: each one announced, once, with its hash and size."""
    expected = _expected(manifest)
    seen: set[str] = set()
    with _open(path) as tar:
        for i, (info, fh) in enumerate(_members(tar)):
            if i == 0 and info.name == MANIFEST:
                continue
            _check_member(info, expected, seen)
            digest, size = file_sha256(fh)
            _check_hash(info.name, expected[info.name], digest, size)
    absent = sorted(set(expected) - seen)
    if absent:
        raise BackupError(
            f"Tệp sao lưu hỏng hoặc bị cắt cụt: thiếu {len(absent)} tệp, ví dụ “{absent[0]}”."
        )


def _check_member(info: tarfile.TarInfo, expected: dict[str, Any], seen: set[str]) -> None:
    if info.name not in expected or info.name in seen:
        raise BackupError(
            f"Tệp sao lưu hỏng: “{info.name}” không có (hoặc lặp lại) trong {MANIFEST}."
        )
    seen.add(info.name)


def _check_hash(name: str, want: tuple[str, int | None], digest: str, size: int) -> None:
    if digest != want[0] or (want[1] is not None and size != want[1]):
        raise BackupError(
            f"Tệp sao lưu hỏng: mã băm SHA-256 của “{name}” không khớp với {MANIFEST}. "
            "Không khôi phục gì."
        )


def restore_archive(
    path: str | os.PathLike[str], *, force: bool = False, storage: Storage | None = None
) -> RestoreReport:
    """Restore the archive at `path` (see the module's docstring). `force`: a database with
    rows is emptied first, and files already stored under a backed-up name are replaced."""
    storage = storage or default_storage
    manifest = read_manifest(path)
    check_schema(manifest)
    held = database_rows()
    if held and not force:
        label, rows = next(iter(held.items()))
        raise BackupError(
            f"Cơ sở dữ liệu đích không trống ({len(held)} bảng có dữ liệu, ví dụ {label}: "
            f"{rows} dòng). Khôi phục vào cơ sở dữ liệu trống, hoặc thêm --force để xóa hết "
            "dữ liệu hiện có trước khi khôi phục."
        )
    verify_archive(path, manifest)
    report = RestoreReport(manifest=manifest, missing=list(manifest.get("missing_files", [])))
    written: list[str] = []
    try:
        with transaction.atomic():
            _flush()
            expected = _expected(manifest)
            tables_done = False
            with _open(path) as tar:
                for info, fh in _members(tar):
                    if info.name == MANIFEST:
                        continue
                    want = expected[info.name]
                    reader = HashingReader(fh)
                    if info.name.startswith(DATA_DIR):
                        if tables_done:
                            raise BackupError(f"Tệp sao lưu hỏng: “{info.name}” sau các tệp.")
                        report.rows += _load_table(info.name, reader)
                        reader.drain()
                    else:
                        if not tables_done:
                            _finish_tables(manifest)
                            tables_done = True
                        name = info.name[len(MEDIA_DIR) :]
                        if _put_file(storage, name, reader, want[0], force):
                            written.append(name)
                        report.files += 1
                    _check_hash(info.name, want, reader.hexdigest(), reader.size)
            if not tables_done:
                _finish_tables(manifest)
            for item in manifest["media"]:
                with storage.open(item["name"], "rb") as stored:
                    _check_hash(item["name"], (item["sha256"], item["size"]), *file_sha256(stored))
    except BaseException:
        for name in written:
            storage.delete(name)
        raise
    _forget_caches()
    return report


def _flush() -> None:
    tables = [m._meta.db_table for m in backed_up_models()]
    statements = connection.ops.sql_flush(no_style(), tables, reset_sequences=False)
    if connection.vendor == "postgresql":
        # TRUNCATE refuses tables with deferred checks pending (rows written earlier in a
        # caller's transaction): run those checks now, defer again for the load.
        statements = ["SET CONSTRAINTS ALL IMMEDIATE", *statements, "SET CONSTRAINTS ALL DEFERRED"]
    connection.ops.execute_sql_flush(statements)


def _load_table(member: str, reader: HashingReader) -> int:
    label = member[len(DATA_DIR) : -len(".jsonl")]
    model = apps.get_model(label)
    rows = 0
    batch: list[dict[str, Any]] = []
    while True:
        line = reader.readline()
        if line:
            row = json.loads(line)
            if row.get("model") != label:
                raise BackupError(
                    f"Tệp sao lưu hỏng: dòng của {row.get('model')!r} trong {member}."
                )
            batch.append(row)
        if batch and (not line or len(batch) >= ROWS_PER_INSERT):
            _insert(model, batch)
            rows += len(batch)
            batch = []
        if not line:
            return rows


def _insert(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """Insert the rows as they are (raw, as loaddata does: auto_now and auto_now_add keep the
    backed-up times; bulk_create would stamp them now), in batches the database accepts."""
    objs = [d.object for d in Deserializer(rows, handle_forward_references=False)]
    fields = list(model._meta.local_concrete_fields)
    if model._meta.parents:  # multi-table inheritance: the parents' rows come separately
        for obj in objs:
            models.Model.save_base(obj, raw=True)
        return
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    manager = model._base_manager
    for start in range(0, len(objs), size):
        manager._insert(objs[start : start + size], fields=fields, raw=True)  # type: ignore[attr-defined]


def _finish_tables(manifest: dict[str, Any]) -> None:
    """After the last table: check the foreign keys and the row counts, reset sequences,
    and record the restore (its row after the restored ones)."""
    connection.check_constraints()
    for label, table in manifest["tables"].items():
        found = apps.get_model(label)._base_manager.count()
        if found != table["rows"]:
            raise BackupError(
                f"Bảng {label}: {found} dòng sau khi nạp, bản sao lưu ghi {table['rows']}."
            )
    statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
    from parindex.audit.services import log_action

    log_action(
        "backup.restored",
        created_at=manifest["created_at"],
        parindex_version=manifest.get("parindex_version"),
        vendor=manifest["database"]["vendor"],
        rows=sum(t["rows"] for t in manifest["tables"].values()),
        files=len(manifest["media"]),
    )


def _put_file(storage: Storage, name: str, reader: HashingReader, sha: str, force: bool) -> bool:
    """Store one file under its name; False when the same bytes are there already."""
    if storage.exists(name):
        with storage.open(name, "rb") as old:
            if file_sha256(old)[0] == sha:
                reader.drain()
                return False
        if not force:
            raise BackupError(
                f"Tệp “{name}” đã có trong kho tệp với nội dung khác; thêm --force để ghi đè."
            )
        storage.delete(name)
    content = File(_Chunks(reader), name=name)  # type: ignore[arg-type]
    saved = storage.save(name, content)
    if saved != name:
        storage.delete(saved)
        raise BackupError(f"Không ghi được tệp “{name}” đúng tên (kho tệp đặt “{saved}”).")
    return True


class _Chunks:
    """What a storage reads a file from: `read` only (the tar stream cannot seek)."""

    def __init__(self, reader: HashingReader) -> None:
        self.reader = reader

    def read(self, n: int = CHUNK) -> bytes:
        return self.reader.read(n)


def _forget_caches() -> None:
    """The rankings cached before the restore describe other data."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from parindex.results.selectors import ranking_cache_clear

    ranking_cache_clear()
    cache = caches["default"]
    if isinstance(cache, RedisCache):  # only parindex's keys: the Redis database may be shared
        client = cache._cache.get_client(None, write=True)
        for key in client.scan_iter(match=cache.make_key("*")):
            client.delete(key)
    else:
        cache.clear()
