"""Uploaded files: their real type from their content, and a safe name to store them under."""

from __future__ import annotations

import zipfile
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


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "tai-lieu"
