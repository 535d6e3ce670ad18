"""A methodology from the table an official decision publishes in its appendix (STT | lĩnh
vực / tiêu chí / tiêu chí thành phần | điểm tối đa | hướng dẫn / tài liệu kiểm chứng ...), in
a Word (.docx) file or a spreadsheet: the columns found from the header (`mapping`), the
numbering read into fields, criteria and sub-criteria (`numbering`), merged cells, headings and
notes handled (`grid`, `build`), maxima checked against their children, and every leaf given
the rule `manual` with a report of the items whose rule is to be written.

`import_table(path, mapping=..., code=..., name=..., version=...)` returns the methodology
and its report, or raises ValidationFailed with every problem (file, table, row, column,
code). Documented in docs/methodology-format.md ("Importing the official table").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from parindex.core.errors import Issue, ValidationFailed
from parindex.core.loader import FORMAT, methodology_from_dict
from parindex.core.model import Methodology
from parindex.core.numbers import fmt_vn

from .build import Item, Line, RowReader, assign_codes, check_maxima, hint, item_dict, leaves
from .grid import Grid, docx_grids, xlsx_grids
from .mapping import LABELS, Mapping, MappingError, detect, fold, parse_override

__all__ = ["Refine", "TableReport", "import_table", "table_report_lines"]

DRAFT = "draft"
_DECISION = re.compile(r"\b(\d+/(?:\d{4}/)?[A-ZĐ]{1,4}(?:-[A-ZĐ]+)+)")
_YEAR = re.compile(r"\b(20\d\d)\b")


@dataclass(frozen=True)
class Refine:
    code: str
    name: str
    source: str
    row: int
    max: Decimal
    hint: str


@dataclass
class TableReport:
    source: str  # file (table N)
    mapping: list[tuple[str, str]]
    header_rows: int
    fields: int = 0
    criteria: int = 0
    leaves: int = 0
    total: Decimal = Decimal(0)
    headings: list[Line] = field(default_factory=list)
    notes: list[Line] = field(default_factory=list)
    renamed: list[tuple[str, str, int]] = field(default_factory=list)  # label, code, row
    warnings: list[Issue] = field(default_factory=list)
    refine: list[Refine] = field(default_factory=list)


def _grids(path: Path) -> list[Grid]:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_grids(path)
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_grids(path)
    raise ValidationFailed([Issue("cần tệp Word .docx (hoặc bảng tính .xlsx)", path.name)])


def _header(grid: Grid, at: int | None) -> tuple[dict[str, int], int, tuple[str, ...]]:
    """Columns found, rows of the header, the texts of its first row. `at`: 1-based row of
    the header if given (0: none)."""
    if at == 0:
        return {}, 0, ()
    candidates = [at - 1] if at else range(min(6, len(grid.rows)))
    for i in candidates:
        if i >= len(grid.rows):
            break
        texts = [c.text for c in grid.rows[i]]
        two = i + 1 < len(grid.rows) and any(
            c.merged_above and c.origin[0] == i for c in grid.rows[i + 1]
        )
        if two:
            below = grid.rows[i + 1]
            combined = [
                t if below[c].merged_above else f"{t} {below[c].text}" for c, t in enumerate(texts)
            ]
            found = detect(combined)
            if "name" in found and "max" in found:
                return found, i + 2, tuple(texts)
        found = detect(texts)
        if ("name" in found and "max" in found) or at:
            return found, i + 1, tuple(texts)
    return {}, -1, ()


def _choose(
    grids: list[Grid], over: dict[str, int | str | None], header: int | None, table: int | None
) -> tuple[Grid, Mapping, tuple[str, ...]]:
    if table is not None:
        if table > len(grids):
            raise MappingError(f"tệp có {len(grids)} bảng, không có bảng {table}")
        pool = [grids[table - 1]]
    else:
        pool = grids
    for grid in pool:
        found, rows, first = _header(grid, header)
        if rows < 0 and table is None and not over:
            continue
        if rows < 0:  # columns given, header not recognised: the first row is the header
            rows, first = (
                min(1, len(grid.rows)),
                tuple(c.text for c in (grid.rows[0] if grid.rows else ())),
            )
        mapping = Mapping(dict(found), header_rows=rows, table=grid.number)
        texts = [
            " ".join(c.text for c in (grid.rows[r][col] for r in range(rows)) if c.text)
            for col in range(grid.width)
        ]
        for key, value in over.items():
            if value is None:
                mapping.columns.pop(key, None)
            elif isinstance(value, int):
                if value >= grid.width:
                    raise MappingError(f"{key}={value + 1}: bảng chỉ có {grid.width} cột")
                mapping.columns[key] = value
            else:
                cols = [c for c, t in enumerate(texts) if fold(value) in fold(t)]
                if not cols:
                    raise MappingError(f"{key}='{value}': không có cột nào có tiêu đề như vậy")
                mapping.columns[key] = cols[0]
        for key, col in mapping.columns.items():
            mapping.headers[key] = texts[col].replace("\n", " ") if texts[col] else ""
        if "name" in mapping.columns and "max" in mapping.columns:
            return grid, mapping, first
        if table is not None or over:
            missing = [LABELS[k] for k in ("name", "max") if k not in mapping.columns]
            raise MappingError(
                f"bảng {grid.number}: không tìm thấy cột {', '.join(missing)} "
                "(chỉ rõ bằng --mapping, ví dụ name=2,max=3)"
            )
    raise MappingError(
        "không có bảng nào có cột tên (lĩnh vực/tiêu chí) và cột điểm tối đa"
        + (f" trong {len(grids)} bảng của tệp" if grids else ": tệp không có bảng nào")
        + " (chỉ rõ các cột bằng --mapping, ví dụ table=1,name=2,max=3)"
    )


def _continuations(grids: list[Grid], grid: Grid) -> list[Grid]:
    """The tables right after the chosen one that continue it (same columns, and the same
    header or no header): a table Word split across pages."""
    out = []
    for g in grids[grid.number :]:
        if g.width != grid.width or g.before != grids[g.number - 2].before:
            break
        out.append(g)
    return out


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:64] or "bo-tieu-chi"


def _title(before: tuple[str, ...]) -> str:
    for text in before:
        if re.search(r"chỉ số|bộ tiêu chí|cải cách hành chính", text, re.IGNORECASE):
            return text.replace("\n", " ")[:300]
    return ""


def import_table(
    path: str | Path,
    *,
    mapping: str = "",
    code: str = "",
    name: str = "",
    version: str = "",
    source_name: str = "",
) -> tuple[Methodology, TableReport]:
    """Read the appendix table of a .docx (or .xlsx) file into a methodology and its report.
    Raises ValidationFailed with every problem found."""
    p = Path(path)
    file = source_name or p.name
    if not p.exists():
        raise ValidationFailed([Issue("không tìm thấy tệp", file)])
    try:
        over, header, table = parse_override(mapping)
        grids = _grids(p)
        grid, cols, first = _choose(grids, over, header, table)
    except MappingError as exc:
        raise ValidationFailed([Issue(f"cách đọc cột: {exc}", file)]) from None
    reader = RowReader(cols, file)
    reader.read(grid, cols.header_rows, first)
    for more in _continuations(grids, grid):
        reader.read(more, 0, first)
    out = reader.out
    column = cols.headers.get("max") or LABELS["max"]
    assign_codes(out.items, "", out)
    if not out.items:
        out.issues.append(Issue("bảng không có mục nào được đánh số", reader.source(grid)))
    total = check_maxima(out.items, out, column)
    for line, stated in out.totals:
        if stated != total:
            out.issues.append(
                Issue(
                    f"dòng tổng ghi {fmt_vn(stated)} điểm, tổng điểm tối đa các lĩnh vực là "
                    f"{fmt_vn(total)} (chênh {fmt_vn(stated - total)})",
                    line.source,
                    line.row,
                    column,
                )
            )
    if out.issues:
        raise ValidationFailed(out.issues)
    before = grid.before
    title = name or _title(before) or Path(file).stem
    decision = next((m.group(1) for t in before if (m := _DECISION.search(t))), "")
    year = next((m.group(1) for t in (title, *before) if (m := _YEAR.search(t))), "")
    notes = [line.text for line in out.notes]
    description = (
        f"Nhập từ bảng {grid.number} của tệp {file}. Quy tắc chấm mặc định manual (chấm trực "
        "tiếp): cần rà soát từng tiêu chí thành phần."
    )
    if notes:
        description += "\n" + "\n".join(notes)
    data = {
        "format": FORMAT,
        "code": code or _slug(Path(file).stem),
        "name": title,
        "version": version or year or "1",
        "decision": decision,
        "status": DRAFT,
        "description": description,
        "not_arising_default": "exclude",
        "fields": [item_dict(i) for i in out.items],
    }
    methodology = methodology_from_dict(data, reader.source(grid))
    return methodology, _report(reader, grid, cols, out.items, total)


def _report(
    reader: RowReader, grid: Grid, cols: Mapping, items: list[Item], total: Decimal
) -> TableReport:
    out = reader.out
    report = TableReport(reader.source(grid), cols.describe(), cols.header_rows, total=total)
    report.fields = len(items)
    report.criteria = sum(len(i.children) for i in items)
    all_leaves = leaves(items)
    report.leaves = len(all_leaves)
    report.headings, report.notes, report.warnings = out.headings, out.notes, out.warnings

    def walk(its: list[Item], path: str) -> None:
        for it in its:
            label = f"{path}/{it.label.text}" if path else it.label.text
            if it.code != it.label.text:
                report.renamed.append((label, it.code, it.row))
            walk(it.children, label)

    walk(items, "")
    report.refine = [
        Refine(i.code, i.name, i.source, i.row, i.max or Decimal(0), hint(i)) for i in all_leaves
    ]
    return report


def table_report_lines(report: TableReport) -> list[str]:
    """The report as text lines (the command line prints them)."""
    lines = [f"Bảng đã đọc: {report.source}, tiêu đề {report.header_rows} dòng"]
    lines += [f"  {what}: {where}" for what, where in report.mapping]
    lines.append(
        f"{report.fields} lĩnh vực, {report.criteria} tiêu chí, {report.leaves} mục chấm điểm, "
        f"tổng {fmt_vn(report.total)} điểm"
    )
    for title, rows in (("Dòng tiêu đề phụ", report.headings), ("Ghi chú", report.notes)):
        if rows:
            lines.append(f"{title} ({len(rows)}):")
            lines += [f"  dòng {r.row}: {r.text}" for r in rows]
    if report.renamed:
        lines.append(f"Số thứ tự đổi thành mã ({len(report.renamed)}):")
        lines += [f"  dòng {row}: {label} → {code}" for label, code, row in report.renamed]
    if report.warnings:
        lines.append(f"Cảnh báo ({len(report.warnings)}):")
        lines += [f"  - {w}" for w in report.warnings]
    lines.append(
        f"Cần rà soát quy tắc chấm ({len(report.refine)} mục đang là manual — chấm trực tiếp):"
    )
    lines += [f"  {r.code} (dòng {r.row}, {fmt_vn(r.max)} điểm): {r.hint}" for r in report.refine]
    return lines
