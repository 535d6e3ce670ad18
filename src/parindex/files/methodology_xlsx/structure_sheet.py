"""The optional sheet 'Cấu trúc': what is known of the official text's structure
(core.structure), written and read back. Key/value rows (total, survey points, counts), then a
table of fields from the row whose first cell reads "Mã lĩnh vực" (a blank maximum: not
public), then the sources, one per row, after the row "Nguồn"."""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from parindex.core.structure import Structure

STRUCTURE_SHEET = "Cấu trúc"
KEYS = (
    ("total", "Tổng điểm"),
    ("survey_points", "Điểm điều tra xã hội học"),
    ("fields", "Số lĩnh vực"),
    ("criteria", "Số tiêu chí"),
    ("sub_criteria", "Số tiêu chí thành phần"),
)
FIELDS_HEADER = (
    "Mã lĩnh vực",
    "Tên lĩnh vực",
    "Tên (EN)",
    "Điểm tối đa (trống: chưa công bố)",
    "Số tiêu chí",
    "Số tiêu chí thành phần",
    "Nguồn",
)
FIELD_KEYS = ("code", "name", "name_en", "max", "criteria", "sub_criteria", "source")
SOURCES = "Nguồn"


def write_structure(ws: Worksheet, s: Structure, put: Any, header: Any, number: Any) -> None:
    header(ws, 1, ("Khóa (key)", "Giá trị (value)", "Nội dung"))
    values = {
        "total": s.total,
        "survey_points": s.survey_points,
        "fields": s.fields_count,
        "criteria": s.criteria,
        "sub_criteria": s.sub_criteria,
    }
    row = 2
    for key, label in KEYS:
        put(ws, row, 1, key)
        if values[key] is not None:
            put(
                ws,
                row,
                2,
                number(values[key]) if key in ("total", "survey_points") else values[key],
            )
        put(ws, row, 3, label)
        row += 1
    row += 1
    header(ws, row, FIELDS_HEADER)
    for f in s.fields:
        row += 1
        for col, key in enumerate(FIELD_KEYS, start=1):
            value = getattr(f, key)
            if value not in (None, ""):
                put(ws, row, col, number(value) if key == "max" else value)
    row += 2
    header(ws, row, (SOURCES,))
    for source in s.sources:
        row += 1
        put(ws, row, 1, source)
    for letter, width in zip("ABCDEFG", (16, 48, 30, 18, 12, 14, 60), strict=True):
        ws.column_dimensions[letter].width = width


def read_structure(ws: Worksheet, text: Any, numeric: Any) -> dict[str, Any]:
    """The sheet as the plain data of a `structure` section (checked by the loader)."""
    out: dict[str, Any] = {}
    counts: dict[str, Any] = {}
    fields: list[dict[str, Any]] = []
    sources: list[str] = []
    part = "keys"
    for cells in ws.iter_rows(min_row=2, values_only=True):
        first = text(cells[0]) if cells else ""
        if first == FIELDS_HEADER[0]:
            part = "fields"
            continue
        if first == SOURCES and part != "keys":
            part = "sources"
            continue
        if not first:
            continue
        if part == "keys":
            value = numeric(cells[1]) if len(cells) > 1 else None
            if first in ("fields", "criteria", "sub_criteria"):
                counts[first] = value
            elif first in ("total", "survey_points"):
                out[first] = value
        elif part == "fields":
            row = {k: cells[i] if i < len(cells) else None for i, k in enumerate(FIELD_KEYS)}
            fields.append(
                {
                    k: (numeric(v) if k in ("max", "criteria", "sub_criteria") else text(v))
                    for k, v in row.items()
                    if v not in (None, "") or k == "max"
                }
            )
        else:
            sources.append(first)
    if counts:
        out["counts"] = counts
    if fields:
        out["fields"] = fields
    if sources:
        out["sources"] = sources
    return out
