"""What backup and restore share: the models, the row format, migration state, hashing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from importlib import metadata
from typing import IO, Any

from django.apps import apps
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader

FORMAT = "parindex-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_DIR = "data/"
MEDIA_DIR = "media/"
CHUNK = 1024 * 1024

# Rows `migrate` itself writes (post_migrate): a freshly migrated database has them, so they
# do not make it "not empty"; restore replaces them with the backup's (same primary keys).
MIGRATE_MADE = frozenset({"contenttypes.contenttype", "auth.permission"})


class BackupError(Exception):
    """A refused backup or restore, with a message for the operator (Vietnamese)."""


def parindex_version() -> str:
    try:
        return metadata.version("parindex")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def backed_up_models() -> list[type[models.Model]]:
    """Every model with a table of its own: all installed apps, the auto-created
    many-to-many tables included (their rows are dumped as rows), proxies and unmanaged
    models left out; in a stable order (app label, model name)."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return sorted(found, key=lambda m: m._meta.label_lower)


def file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.local_fields if isinstance(f, models.FileField)]


def data_member(model: type[models.Model]) -> str:
    return f"{DATA_DIR}{model._meta.label_lower}.jsonl"


class RowEncoder(json.JSONEncoder):
    """JSON for the values Django's python serializer leaves as they are: times keep their
    microseconds (DjangoJSONEncoder cuts them to milliseconds), decimals their digits."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.date | dt.time):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def row_line(row: dict[str, Any]) -> bytes:
    return (json.dumps(row, cls=RowEncoder, ensure_ascii=False) + "\n").encode("utf-8")


def migration_state() -> dict[str, dict[str, list[str]]]:
    """{app: {"applied": [names], "latest": [applied names no applied one depends on]}},
    read from django_migrations (inside the caller's transaction)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = sorted(loader.applied_migrations)
    state: dict[str, dict[str, list[str]]] = {}
    for app, name in applied:
        state.setdefault(app, {"applied": [], "latest": []})["applied"].append(name)
    done = set(applied)
    for app, name in applied:
        node = loader.graph.node_map.get((app, name))
        children = node.children if node is not None else set()
        if not any(c.key in done and c.key[0] == app for c in children):
            state[app]["latest"].append(name)
    return state


def code_migrations() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(every migration the code has on disk, the ones the code's current schema is made of:
    the graph's nodes, squashed ones replaced)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations), set(loader.graph.nodes)


class HashingReader:
    """A file object's bytes, counted and hashed as they are read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def readline(self) -> bytes:
        data = self.raw.readline()
        self.sha.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass

    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def file_sha256(f: IO[bytes]) -> tuple[str, int]:
    reader = HashingReader(f)
    reader.drain()
    return reader.hexdigest(), reader.size


def safe_media_name(name: str) -> bool:
    """A storage name a backup may carry: relative, no `..`, no backslash or NUL."""
    parts = name.split("/")
    return (
        bool(name)
        and not name.startswith("/")
        and "\\" not in name
        and "\x00" not in name
        and all(p not in ("", ".", "..") for p in parts)
    )
