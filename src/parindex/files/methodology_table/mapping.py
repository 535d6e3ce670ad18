"""Which column of an appendix table holds what: found from the header's words, or given.

Keys: `number` (STT), `name` (lĩnh vực / tiêu chí / tiêu chí thành phần), `max` (điểm tối
đa), `guidance` (hướng dẫn chấm), `evidence` (tài liệu kiểm chứng), `note` (ghi chú, kept with
the guidance), `method` (phương thức đánh giá: tự đánh giá / thẩm định, điều tra xã hội
học, số liệu do cơ quan khác cung cấp). Headers are matched without accents or case; a column
of points entered by someone ("điểm tự đánh giá", "điểm thẩm định") is never taken for the maximum.

An override reads `key=N` (the N-th column, from 1), `key=words` (the column whose header
contains the words), `key=-` (no such column), `header=N` (the header is row N of the table; 0:
the table has no header row), `table=N` (the N-th table of the file), separated by "," or ";".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

KEYS = ("number", "name", "max", "guidance", "evidence", "note", "method")
LABELS = {
    "number": "STT",
    "name": "Lĩnh vực/tiêu chí",
    "max": "Điểm tối đa",
    "guidance": "Hướng dẫn",
    "evidence": "Tài liệu kiểm chứng",
    "note": "Ghi chú",
    "method": "Phương thức đánh giá",
}
# Header words, without accents, in order of preference for each key.
_WORDS: dict[str, tuple[str, ...]] = {
    "number": ("stt", "so thu tu", "tt", "ky hieu", "ma so", "ma"),
    "max": ("diem toi da", "toi da", "diem chuan", "thang diem", "diem so", "diem"),
    "evidence": ("tai lieu kiem chung", "kiem chung", "minh chung", "tai lieu"),
    "guidance": ("huong dan", "cach cham", "cach tinh", "phuong phap", "yeu cau"),
    "note": ("ghi chu",),
    "method": (
        "phuong thuc danh gia",
        "phuong thuc",
        "hinh thuc danh gia",
        "nguon diem",
    ),
    "name": ("linh vuc", "tieu chi", "noi dung", "chi so", "ten"),
}
# Words of a column of points someone enters: never the maximum.
_NOT_MAX = ("tu danh gia", "tu cham", "tham dinh", "dat duoc", "danh gia", "bi tru")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Điểm tối đa' -> 'diem toi da'."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", text).split())


def _has(text: str, words: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(words)}(?![a-z0-9])", text) is not None


@dataclass
class Mapping:
    columns: dict[str, int] = field(default_factory=dict)  # key -> 0-based column
    headers: dict[str, str] = field(default_factory=dict)  # key -> header text
    header_rows: int = 1  # rows of the header (0: none)
    table: int | None = None  # 1-based table number asked for

    def describe(self) -> list[tuple[str, str]]:
        """(what, which column) pairs in the table's order, for the report."""
        out = []
        for key, col in sorted(self.columns.items(), key=lambda kv: kv[1]):
            header = self.headers.get(key, "")
            out.append((LABELS[key], f"cột {col + 1}" + (f" ({header})" if header else "")))
        return out


def detect(headers: Sequence[str]) -> dict[str, int]:
    """Columns of the keys found in a header row (texts per column)."""
    folded = [fold(h) for h in headers]
    found: dict[str, int] = {}
    taken: set[int] = set()
    for key in ("number", "max", "evidence", "method", "guidance", "note", "name"):
        for words in _WORDS[key]:
            for col, text in enumerate(folded):
                if col in taken or not text or not _has(text, words):
                    continue
                if key == "max" and any(_has(text, w) for w in _NOT_MAX):
                    continue
                if key == "number" and len(text) > 20:
                    continue
                found[key] = col
                taken.add(col)
                break
            if key in found:
                break
    return found


class MappingError(ValueError):
    pass


def parse_override(text: str) -> tuple[dict[str, int | str | None], int | None, int | None]:
    """`number=1, name=2, max=Điểm chuẩn, evidence=-, header=2, table=1` -> (columns by
    number or header words or None, header row, table). Raises MappingError."""
    columns: dict[str, int | str | None] = {}
    header: int | None = None
    table: int | None = None
    for part in re.split(r"[,;]", text):
        part = part.strip()
        if not part:
            continue
        key, sep, value = (s.strip() for s in part.partition("="))
        key = {"stt": "number", "ten": "name", "tên": "name", "diem": "max"}.get(key, key)
        if not sep or not value:
            raise MappingError(f"'{part}': cần dạng khóa=giá trị, ví dụ max=3")
        if key in ("header", "table"):
            if not value.isdigit() or (key == "table" and int(value) < 1):
                raise MappingError(f"'{part}': {key} cần một số thứ tự")
            if key == "header":
                header = int(value)
            else:
                table = int(value)
            continue
        if key not in KEYS:
            raise MappingError(
                f"'{key}' không phải là cột đã biết (các cột: {', '.join(KEYS)}, header, table)"
            )
        if value == "-":
            columns[key] = None
        elif value.isdigit():
            if int(value) < 1:
                raise MappingError(f"'{part}': số cột bắt đầu từ 1")
            columns[key] = int(value) - 1
        else:
            columns[key] = value
    return columns, header, table
