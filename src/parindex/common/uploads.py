"""Uploaded files: their real type from their content, and a safe name to store them under."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ALLOWED = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
}
ZIP_MAGIC = b"PK\x03\x04"


def is_zip(head: bytes) -> bool:
    """Whether the file starts like a ZIP archive (XLSX, DOCX and other OOXML files do)."""
    return head.startswith(ZIP_MAGIC)


def detect_type(head: bytes, file: Any) -> str | None:
    """The file's real type from its content (magic bytes; OOXML by its parts): a key of
    ALLOWED, or None. `head`: the file's first bytes; `file` is read again for a ZIP."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if is_zip(head):
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as z:
                names = set(z.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            file.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


MAX_NAME = 200


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most MAX_NAME characters:
    a longer name is shortened in its stem, keeping its extension (up to 10 characters), so
    the type check still sees "bao-cao.pdf" and its message names the file's real type."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    if len(base) > MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        if dot and stem and len(ext) <= 10:
            base = stem[: MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            base = base[:MAX_NAME]
    return base or "tai-lieu"


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed `check_upload`: its clean name, real type and hash."""

    name: str
    kind: str  # a key of ALLOWED
    content_type: str
    size: int
    sha256: str


def check_upload(file: Any, max_bytes: int) -> CheckedUpload:
    """Check an uploaded file as every upload is checked (evidence, plan attachments): not
    empty, at most `max_bytes`, a PDF, DOCX, XLSX, PNG or JPEG by its content, with a name
    that matches it; hash it. Raises ServiceError with a message naming the file."""
    from django.utils.translation import gettext as _

    from parindex.core import fmt_vn

    from .errors import ServiceError

    name = clean_filename(getattr(file, "name", "") or "")
    size = getattr(file, "size", None)
    if not size:
        raise ServiceError(_("Tệp “%(n)s” rỗng.") % {"n": name})
    if size > max_bytes:
        raise ServiceError(
            _("Tệp “%(n)s” quá lớn (%(s)s MB); tối đa %(m)s MB.")
            % {
                "n": name,
                "s": fmt_vn(Decimal(size) / 1048576, 1),
                "m": max_bytes // 1048576,
            }
        )
    file.seek(0)
    head = file.read(16)
    kind = detect_type(head, file)
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if kind is None:
        raise ServiceError(
            _("Tệp “%(n)s” không phải PDF, DOCX, XLSX, PNG hay JPEG (kiểm tra theo nội dung).")
            % {"n": name}
        )
    mime, exts = ALLOWED[kind]
    if ext not in exts:
        raise ServiceError(
            _("Tên tệp “%(n)s” không khớp với nội dung (nội dung là %(k)s).")
            % {"n": name, "k": kind.upper()}
        )
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return CheckedUpload(name, kind, mime, size, digest.hexdigest())
