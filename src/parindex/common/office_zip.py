"""Limits checked before any XLSX or DOCX is parsed (the methodology Excel and Word imports,
the set-up workbook, questionnaires, survey responses, scores): an Office file is a ZIP
archive, and a small one can unpack to gigabytes ("zip bomb") or hold millions of rows.

`check_office_zip` reads only the archive's directory (zipfile infos: no member is
extracted) and refuses too many members, too many bytes once unpacked, or a compression
ratio no real workbook has. `check_rows` refuses a sheet longer than the reader accepts,
from the sheet's own dimension (read-only mode) before its rows are read, and `capped`
stops reading past the limit when a file understates its dimension. Every refusal is an
`OfficeFileRefused` whose message names the file and the limit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")

MB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 1_000
    max_uncompressed: int = 100 * MB
    max_ratio: int = 200  # unpacked/packed, for members and the whole archive over RATIO_FLOOR
    max_rows: int = 100_000  # in one sheet


RATIO_FLOOR = MB  # tiny members compress oddly and cost nothing: the ratio counts above this
DEFAULT = ZipLimits()
# Methodologies (Excel and Word tables) are read whole into memory (merged cells).
METHODOLOGY = ZipLimits(max_uncompressed=20 * MB, max_rows=20_000)
# Survey responses are streamed; hundreds of thousands of respondents are normal.
SURVEY_RESPONSES = ZipLimits(max_uncompressed=2048 * MB, max_rows=1_000_000)


class OfficeFileRefused(ValueError):
    """An XLSX/DOCX refused by a limit; `str()` names the file and the limit."""


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def check_office_zip(file: bytes | str | Path | IO[bytes], name: str, limits: ZipLimits) -> None:
    """Refuse an Office file (a ZIP archive) that unpacks to too much, by its directory alone.
    A file that is not a ZIP archive is left to the parser, which says so. The position of a
    file object is restored."""
    from django.utils.translation import gettext as _

    source: Any = io.BytesIO(file) if isinstance(file, bytes) else file
    pos = source.tell() if hasattr(source, "tell") else None
    try:
        with zipfile.ZipFile(source) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    finally:
        if pos is not None:
            source.seek(pos)

    def refuse(what: str) -> OfficeFileRefused:
        return OfficeFileRefused(_("Tệp “%(n)s” bị từ chối: %(w)s") % {"n": name, "w": what})

    if len(infos) > limits.max_members:
        raise refuse(
            _("có %(k)s thành phần nén, tối đa %(m)s.")
            % {"k": _fmt(len(infos)), "m": _fmt(limits.max_members)}
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_uncompressed:
        raise refuse(
            _("giải nén ra %(s)s MB, tối đa %(m)s MB.")
            % {"s": _fmt(total // MB), "m": _fmt(limits.max_uncompressed // MB)}
        )
    for size, comp in [(i.file_size, i.compress_size) for i in infos] + [(total, packed)]:
        if size > RATIO_FLOOR and size > limits.max_ratio * max(comp, 1):
            raise refuse(
                _("tỉ lệ nén %(r)s lần, tối đa %(m)s lần (tệp có thể là “bom nén”).")
                % {"r": _fmt(size // max(comp, 1)), "m": _fmt(limits.max_ratio)}
            )


def _rows_refused(name: str, sheet: str, limit: int) -> OfficeFileRefused:
    from django.utils.translation import gettext as _

    return OfficeFileRefused(
        _("Tệp “%(n)s” bị từ chối: trang tính “%(s)s” có quá %(m)s dòng.")
        % {"n": name, "s": sheet, "m": _fmt(limit)}
    )


def check_rows(ws: Any, name: str, limits: ZipLimits) -> None:
    """Refuse a worksheet whose dimension says it has more than `limits.max_rows` rows
    (read-only mode: the dimension recorded in the file, nothing is read)."""
    rows = ws.max_row or 0
    if rows > limits.max_rows:
        raise _rows_refused(name, ws.title, limits.max_rows)


def capped(rows: Iterable[T], name: str, sheet: str, limits: ZipLimits) -> Iterator[T]:
    """The rows, refused past `limits.max_rows` (for a file whose dimension understates)."""
    for n, row in enumerate(rows, start=1):
        if n > limits.max_rows:
            raise _rows_refused(name, sheet, limits.max_rows)
        yield row


def load_workbook_checked(
    file: bytes | str | Path | IO[bytes],
    name: str,
    limits: ZipLimits = DEFAULT,
    *,
    read_only: bool = True,
) -> Any:
    """openpyxl's workbook (data only), after check_office_zip, with every sheet's
    dimension checked against the row limit. Raises OfficeFileRefused; openpyxl's own
    errors for a broken file pass through."""
    from openpyxl import load_workbook

    check_office_zip(file, name, limits)
    source: Any = io.BytesIO(file) if isinstance(file, bytes) else file
    wb = load_workbook(source, read_only=read_only, data_only=True)
    try:
        for ws in wb.worksheets:
            check_rows(ws, name, limits)
    except OfficeFileRefused:
        wb.close()
        raise
    return wb
