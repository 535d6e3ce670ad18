"""A methodology as an Excel workbook: a template officials type or paste the official tables
into, read back into the same Methodology (YAML -> Excel -> YAML gives an equal methodology).

Sheets:

- "Thông tin": key | value rows (format, code, name, ...), then the "Xếp loại (bands)" table
  (code | label | min) of classification bands;
- "Tiêu chí": one row per node, fields/criteria/sub-criteria in tree order, then the bonus and
  deduction items (section "điều chỉnh"). The hierarchy comes from the codes: the parent of
  "1.2.3" is "1.2". Rule parameters are `key=value` pairs separated by ";" and threshold bands
  read `[80..100)=0,5; [0..80)=0` ("[" "]" inclusive, "(" ")" exclusive);
- "Hướng dẫn": how to fill the workbook, in Vietnamese.

Reading turns the rows into the plain dicts that `methodology_from_dict` takes, so every rule of
the methodology is checked in one place; each row's Excel number is kept under `__line__` so
messages name the row. Syntax errors of the cells (parameters, bands, yes/no, section, header)
are collected for the whole workbook and raised together as ValidationFailed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parindex.core.errors import Issue, ValidationFailed
from parindex.core.loader import FORMAT, LINE, methodology_from_dict
from parindex.core.model import METHODS, NOT_ARISING_POLICIES, Methodology, Node
from parindex.core.numbers import to_decimal
from parindex.core.rules import COUNT, PERCENT, RULE_KINDS, Band, Rule, Thresholds
from parindex.core.values import YES_TEXT, parse_yes_no

INFO_SHEET = "Thông tin"
NODES_SHEET = "Tiêu chí"
HELP_SHEET = "Hướng dẫn"

ADJUSTMENT = "điều chỉnh"
_ADJUSTMENT_WORDS = {
    "điều chỉnh",
    "dieu chinh",
    "adjustment",
    "adjustments",
    "điểm thưởng",
    "điểm trừ",
    "thưởng",
    "trừ",
    "bonus",
    "deduction",
}
_TREE_WORDS = {"", "tiêu chí", "lĩnh vực", "field", "criterion", "criteria", "node"}
_OVER_ALIASES = {
    "percent": PERCENT,
    "%": PERCENT,
    "tỷ lệ": PERCENT,
    "tỉ lệ": PERCENT,
    "count": COUNT,
    "số lượng": COUNT,
    "số lần": COUNT,
}
# Parameters each rule kind takes in the "Tham số (params)" column ("over" is text).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "manual": ("step",),
    "yes_no": ("yes", "no"),
    "thresholds": ("over",),
    "proportional": ("full_at",),
    "timeliness": ("on_time", "late", "not_done"),
    "survey": (),
    "bonus": ("per_unit",),
    "deduction": ("per_unit",),
}
BAND_SYNTAX = "[từ..đến)=điểm, ví dụ [80..100)=0,5; [100..100]=1; [5..)=1"
MAX_CELL_TEXT = 32767  # Excel's limit on the text of one cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Vietnamese label; the header reads "label (key)"
    width: int
    help: str
    example: str = ""

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"


NODE_COLUMNS = (
    Column(
        "code",
        "Mã",
        10,
        "Mã của mục. Mã của mục con nối tiếp mã mục cha bằng dấu chấm: lĩnh vực 1, tiêu chí 1.2, "
        "tiêu chí thành phần 1.2.3. Cấp bậc được suy ra từ mã (mục cha của 1.2.3 là 1.2). "
        "Nên để ô ở dạng văn bản để Excel không đổi 1.10 thành 1.1.",
        "1.2.3",
    ),
    Column("name", "Tên", 60, "Tên lĩnh vực / tiêu chí / tiêu chí thành phần (bắt buộc).", ""),
    Column("name_en", "Tên tiếng Anh", 40, "Tên tiếng Anh (không bắt buộc).", ""),
    Column(
        "max",
        "Điểm tối đa",
        11,
        "Điểm tối đa (số, tối đa 4 chữ số thập phân; dấu chấm hoặc dấu phẩy đều được). Điểm tối "
        "đa của mục cha phải bằng tổng điểm tối đa của các mục con. Với mục điểm thưởng/điểm "
        "trừ, đây là mức thưởng/trừ tối đa của mục.",
        "2,5",
    ),
    Column(
        "method",
        "Phương thức",
        12,
        "Chỉ điền cho tiêu chí thành phần (mục lá): self = tự chấm rồi thẩm định; survey = điều "
        "tra xã hội học; external = số liệu từ hệ thống khác. Để trống = self.",
        "self",
    ),
    Column(
        "rule",
        "Quy tắc",
        13,
        "Quy tắc chấm của mục lá: manual (chấm trực tiếp theo bước), yes_no (có/không), "
        "thresholds (theo mức tỷ lệ % hoặc số lượng), proportional (tỷ lệ thuận), timeliness "
        "(đúng hạn/chậm/không thực hiện), survey (tỷ lệ điều tra %), bonus (điểm thưởng), "
        "deduction (điểm trừ). Mục có mục con để trống.",
        "thresholds",
    ),
    Column(
        "params",
        "Tham số",
        24,
        "Tham số của quy tắc, dạng khóa=giá trị, cách nhau bởi dấu chấm phẩy. manual: step "
        "(bước, mặc định 0,25); yes_no: yes, no; thresholds: over=percent hoặc over=count; "
        "proportional: full_at (mặc định 100); timeliness: on_time, late, not_done; bonus: "
        "per_unit (không bắt buộc); deduction: per_unit (bắt buộc).",
        "on_time=1; late=0,5",
    ),
    Column(
        "bands",
        "Các mức",
        40,
        "Chỉ cho quy tắc thresholds: các mức cách nhau bởi dấu chấm phẩy (hoặc xuống dòng), "
        "mỗi mức dạng [từ..đến)=điểm. Ngoặc vuông [ ] là lấy cả cận, ngoặc tròn ( ) là không "
        "lấy cận. Bỏ trống cận trên cho mức không giới hạn trên (số lượng): [5..)=1. Có thể "
        "dùng → hoặc : thay cho =. Các mức phải phủ kín 0–100 (%) hoặc từ 0 trở lên (số "
        "lượng), không chồng lấn.",
        "[100..100]=1; [80..100)=0,5; [0..80)=0",
    ),
    Column(
        "not_arising",
        "Không phát sinh",
        16,
        "Cách xử lý khi nội dung không phát sinh trong năm: exclude (loại khỏi điểm tối đa), "
        "full_points (được điểm tối đa), not_allowed (không chấp nhận). Để trống = theo mặc "
        "định của bộ tiêu chí (sheet Thông tin).",
        "full_points",
    ),
    Column(
        "applies_to",
        "Áp dụng cho",
        16,
        "Các loại đơn vị áp dụng, cách nhau bởi dấu phẩy (phải có trong unit_types của sheet "
        "Thông tin). Để trống = áp dụng cho mọi loại đơn vị.",
        "commune",
    ),
    Column("guidance", "Hướng dẫn chấm", 50, "Hướng dẫn đánh giá, chấm điểm.", ""),
    Column("evidence", "Tài liệu kiểm chứng", 40, "Tài liệu kiểm chứng cần nộp.", ""),
    Column(
        "unknown",
        "Chưa công bố",
        12,
        "Ghi 'có' (hoặc x) nếu nội dung chưa được công bố chính thức (giả định mô hình hóa).",
        "có",
    ),
    Column(
        "section",
        "Loại mục",
        13,
        "Để trống cho lĩnh vực, tiêu chí, tiêu chí thành phần; ghi 'điều chỉnh' cho các mục "
        "điểm thưởng/điểm trừ (dùng quy tắc bonus hoặc deduction, không có mục con).",
        ADJUSTMENT,
    ),
)
REQUIRED_NODE_COLUMNS = ("code", "name", "max")

INFO_KEYS = (
    ("format", "Định dạng", f"Giữ nguyên: {FORMAT}"),
    ("code", "Mã bộ tiêu chí", "Mã ngắn, ví dụ laocai-internal-2025 (bắt buộc)"),
    ("name", "Tên bộ tiêu chí", "Tên tiếng Việt (bắt buộc)"),
    ("name_en", "Tên tiếng Anh", "Không bắt buộc"),
    ("version", "Phiên bản", "Ví dụ 2025 (bắt buộc)"),
    ("level", "Cấp áp dụng", "province | ministry | department_commune | ..."),
    ("decision", "Văn bản ban hành", "Ví dụ QĐ 876/QĐ-BNV ngày 10/11/2022"),
    ("status", "Tình trạng", "official | partial | example"),
    ("description", "Mô tả", "Ghi chú, phạm vi, những điểm chưa biết"),
    ("unit_types", "Loại đơn vị", "Cách nhau bởi dấu phẩy, ví dụ department, commune"),
    (
        "not_arising_default",
        "Không phát sinh mặc định",
        "exclude | full_points | not_allowed",
    ),
    ("bonus_cap", "Trần điểm thưởng", "Tổng điểm thưởng tối đa (để trống = không giới hạn)"),
    ("deduction_floor", "Sàn điểm trừ", "Tổng điểm trừ tối đa, số ≤ 0, ví dụ -5"),
)
BANDS_KEY = "bands"
BANDS_TITLE = "Xếp loại (bands)"
BAND_COLUMNS = (("code", "Mã"), ("label", "Tên"), ("min", "Chỉ số tối thiểu"))

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TITLE_FONT = Font(bold=True, size=12)
_HINT_FONT = Font(italic=True, color="808080")
_NUMBER_FORMAT = "0.00##"
_BRACKET_KEY = re.compile(r"\(\s*([A-Za-z_]+)\s*\)\s*$")


# ---------------------------------------------------------------------------------------------
# Export


def write_methodology_xlsx(m: Methodology, path: str | Path) -> None:
    """Write a methodology as an Excel workbook that `read_methodology_xlsx` reads back."""
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = INFO_SHEET
    _write_info(info, m)
    _write_nodes(wb.create_sheet(NODES_SHEET), m)
    _write_help(wb.create_sheet(HELP_SHEET))
    info.sheet_view.tabSelected = False
    wb.active = 1  # open on the criteria
    wb.save(path)


def _put(ws: Worksheet, row: int, col: int, value: Any) -> Cell:
    """Set a cell; text is always stored as text (never read as a formula)."""
    if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
        raise ValidationFailed(
            [Issue(f"nội dung dài {len(value)} ký tự, vượt giới hạn {MAX_CELL_TEXT} của Excel")]
        )
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    assert isinstance(cell, Cell)
    return cell


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _num_text(value: Decimal) -> str:
    """A Decimal as Vietnamese text: 0,25; 100; -1,5."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def _header(ws: Worksheet, row: int, labels: Iterable[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = _put(ws, row, col, label)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def _write_info(ws: Worksheet, m: Methodology) -> None:
    _header(ws, 1, ("Khóa (key)", "Giá trị (value)", "Ghi chú"))
    values: dict[str, Any] = {
        "format": FORMAT,
        "code": m.code,
        "name": m.name,
        "name_en": m.name_en,
        "version": m.version,
        "level": m.level,
        "decision": m.decision,
        "status": m.status,
        "description": m.description,
        "unit_types": ", ".join(m.unit_types),
        "not_arising_default": m.not_arising_default,
        "bonus_cap": m.bonus_cap,
        "deduction_floor": m.deduction_floor,
    }
    row = 2
    for key, label, hint in INFO_KEYS:
        _put(ws, row, 1, f"{label} ({key})").font = _HEADER_FONT
        value = values[key]
        if isinstance(value, Decimal):
            cell = _put(ws, row, 2, _number(value))
            cell.number_format = _NUMBER_FORMAT
            cell.alignment = Alignment(horizontal="left")
        elif value:
            cell = _put(ws, row, 2, value)
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            ws.cell(row=row, column=2).number_format = "@"
        if key == "not_arising_default":
            _dropdown(ws, NOT_ARISING_POLICIES, f"B{row}", allow_blank=False)
        _put(ws, row, 3, hint).font = _HINT_FONT
        row += 1
    row += 1
    _put(ws, row, 1, BANDS_TITLE).font = _TITLE_FONT
    _put(ws, row, 3, "Xếp loại theo chỉ số: mức đầu tiên (min cao nhất trước) có min ≤ chỉ số")
    ws.cell(row=row, column=3).font = _HINT_FONT
    row += 1
    _header(ws, row, (f"{label} ({key})" for key, label in BAND_COLUMNS))
    for grade in m.grades:
        row += 1
        _put(ws, row, 1, grade.code).number_format = "@"
        _put(ws, row, 2, grade.label)
        _put(ws, row, 3, _number(grade.min_index)).number_format = _NUMBER_FORMAT
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 80
    ws.column_dimensions["C"].width = 50
    ws.freeze_panes = "A2"


def _dropdown(ws: Worksheet, values: Iterable[str], ref: str, allow_blank: bool = True) -> None:
    choices = ",".join(values)
    dv = DataValidation(
        type="list",
        formula1=f'"{choices}"',
        allow_blank=allow_blank,
        showErrorMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error=f"Chọn một trong: {choices}",
    )
    dv.add(ref)
    ws.add_data_validation(dv)


def _params_text(rule: Rule) -> str:
    parts = []
    for key, value in rule.to_dict().items():
        if key in ("kind", "bands"):
            continue
        text = _num_text(value) if isinstance(value, Decimal) else str(value)
        parts.append(f"{key}={text}")
    return "; ".join(parts)


def band_text(band: Band) -> str:
    """One threshold band in the workbook syntax, e.g. `[80..100)=0,5`."""
    lo = "" if band.lo is None else _num_text(band.lo)
    hi = "" if band.hi is None else _num_text(band.hi)
    left = "[" if band.lo is None or band.lo_inclusive else "("
    right = "]" if band.hi is not None and band.hi_inclusive else ")"
    return f"{left}{lo}..{hi}{right}={_num_text(band.points)}"


def _node_row(node: Node, adjustment: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "code": node.code,
        "name": node.name,
        "name_en": node.name_en,
        "max": _number(node.max_points),
        "not_arising": node.not_arising or "",
        "applies_to": ", ".join(sorted(node.applies_to)) if node.applies_to is not None else "",
        "guidance": node.guidance,
        "evidence": node.evidence,
        "unknown": YES_TEXT if node.unknown else "",
        "section": ADJUSTMENT if adjustment else "",
    }
    if node.is_leaf:
        row["method"] = node.method
        if node.rule is not None:
            row["rule"] = node.rule.kind
            row["params"] = _params_text(node.rule)
            if isinstance(node.rule, Thresholds):
                row["bands"] = "; ".join(band_text(b) for b in node.rule.bands)
    return row


def _write_nodes(ws: Worksheet, m: Methodology) -> None:
    _header(ws, 1, (c.header for c in NODE_COLUMNS))
    col_of = {c.key: i for i, c in enumerate(NODE_COLUMNS, start=1)}
    nodes = [(n, False) for f in m.fields for n in f.walk()] + [(a, True) for a in m.adjustments]
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, (node, adjustment) in enumerate(nodes, start=2):
        values = _node_row(node, adjustment)
        for key, value in values.items():
            if value == "":
                continue
            cell = _put(ws, r, col_of[key], value)
            if key in ("guidance", "evidence", "bands", "params", "name_en"):
                cell.alignment = wrap
        depth = 0 if adjustment else node.depth - 1
        name_cell = ws.cell(row=r, column=col_of["name"])
        name_cell.alignment = Alignment(indent=depth, wrap_text=True, vertical="top")
        if node.depth == 1 and not adjustment:
            for col in (col_of["code"], col_of["name"], col_of["max"]):
                ws.cell(row=r, column=col).font = _HEADER_FONT
        ws.cell(row=r, column=col_of["max"]).number_format = _NUMBER_FORMAT
        ws.cell(row=r, column=col_of["code"]).number_format = "@"
    for c in NODE_COLUMNS:
        letter = get_column_letter(col_of[c.key])
        ws.column_dimensions[letter].width = c.width
    ws.column_dimensions[get_column_letter(col_of["code"])].number_format = "@"
    last = max(len(nodes) + 1, 2) + 500  # leave room for rows typed later
    for key, choices in (
        ("method", METHODS),
        ("rule", RULE_KINDS),
        ("not_arising", NOT_ARISING_POLICIES),
        ("section", (ADJUSTMENT,)),
    ):
        letter = get_column_letter(col_of[key])
        _dropdown(ws, choices, f"{letter}2:{letter}{last}")
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(NODE_COLUMNS))}{len(nodes) + 1}"


HELP_INTRO = (
    "HƯỚNG DẪN NHẬP BỘ TIÊU CHÍ BẰNG EXCEL",
    "",
    "Tệp gồm 3 sheet: 'Thông tin' (thông tin chung và bảng xếp loại), 'Tiêu chí' (mỗi dòng một "
    "lĩnh vực / tiêu chí / tiêu chí thành phần / mục điểm thưởng, điểm trừ) và sheet này.",
    "Có thể dán trực tiếp bảng tiêu chí chính thức vào sheet 'Tiêu chí', giữ nguyên dòng tiêu "
    "đề. Tên cột có thể đổi nhưng phải giữ khóa trong ngoặc, ví dụ '(code)'. Có thể thêm cột "
    "riêng (ví dụ 'Ghi chú'); các cột không có khóa hợp lệ được bỏ qua.",
    "Cấp bậc được suy ra từ mã: lĩnh vực '1', tiêu chí '1.2', tiêu chí thành phần '1.2.3'. Mỗi "
    "mục con phải có mục cha trong bảng. Điểm tối đa của mục cha phải bằng tổng của các mục "
    "con. Mỗi tiêu chí thành phần (mục lá) cần một quy tắc chấm.",
    "Số có thể dùng dấu phẩy hoặc dấu chấm thập phân (0,25 hoặc 0.25).",
    "Kiểm tra tệp: parindex methodology validate TEN_TEP.xlsx — các lỗi được báo kèm số dòng, "
    "tên cột và mã tiêu chí. Chuyển sang YAML: parindex methodology import TEN_TEP.xlsx --out "
    "TEN_TEP.yaml.",
)

HELP_RULES = (
    ("manual", "step=0,25", "Nhập trực tiếp số điểm từ 0 đến điểm tối đa, theo bước step."),
    ("yes_no", "yes=1; no=0", "Có/đạt được yes điểm (mặc định = điểm tối đa), không được no."),
    (
        "thresholds",
        "over=percent  |  [100..100]=1; [80..100)=0,5; [0..80)=0",
        "Theo mức: over=percent (tỷ lệ 0–100%) hoặc over=count (số lượng ≥ 0); các mức ghi ở "
        "cột 'Các mức (bands)'.",
    ),
    ("proportional", "full_at=100", "Điểm = min(giá trị / full_at; 1) × điểm tối đa."),
    (
        "timeliness",
        "on_time=1; late=0,5; not_done=0",
        "Đúng hạn / chậm / không thực hiện (mặc định: tối đa / một nửa / 0).",
    ),
    ("survey", "", "Tỷ lệ điều tra xã hội học (%) × điểm tối đa / 100."),
    ("bonus", "per_unit=0,5", "Điểm thưởng: số lần × per_unit (hoặc số điểm), tối đa = max."),
    ("deduction", "per_unit=0,25", "Điểm trừ: − số lần × per_unit, trừ tối đa = max."),
)

HELP_BANDS = (
    ("[100..100]=1", "đúng 100% được 1 điểm"),
    ("[80..100)=0,5", "từ 80% đến dưới 100% được 0,5 điểm"),
    ("(50..80)=0,25", "trên 50% đến dưới 80% được 0,25 điểm"),
    ("[0..50]=0", "từ 0 đến 50% (lấy cả 50%) được 0 điểm"),
    ("[5..)=1", "(số lượng) từ 5 trở lên được 1 điểm"),
    ("[1..5) → 0,5", "có thể dùng → hoặc : thay cho ="),
)


def _write_help(ws: Worksheet) -> None:
    row = 1
    for line in HELP_INTRO:
        cell = _put(ws, row, 1, line) if line else ws.cell(row=row, column=1)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = _TITLE_FONT
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 15 * (len(line) // 150 + 1)  # merged: no auto height
        row += 1
    row += 1
    _put(ws, row, 1, "Các cột của sheet 'Tiêu chí'").font = _TITLE_FONT
    row += 1
    _header(ws, row, ("Cột", "Ý nghĩa", "Ví dụ"))
    for c in NODE_COLUMNS:
        row += 1
        _put(ws, row, 1, c.header).font = _HEADER_FONT
        _put(ws, row, 2, c.help).alignment = Alignment(wrap_text=True, vertical="top")
        if c.example:
            _put(ws, row, 3, c.example).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    _put(ws, row, 1, "Quy tắc chấm và tham số").font = _TITLE_FONT
    row += 1
    _header(ws, row, ("Quy tắc (rule)", "Ý nghĩa", "Ví dụ tham số / các mức"))
    for kind, example, meaning in HELP_RULES:
        row += 1
        _put(ws, row, 1, kind).font = _HEADER_FONT
        _put(ws, row, 2, meaning).alignment = Alignment(wrap_text=True, vertical="top")
        if example:
            _put(ws, row, 3, example).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    _put(ws, row, 1, "Cú pháp các mức (bands)").font = _TITLE_FONT
    row += 1
    _put(ws, row, 1, f"Dạng {BAND_SYNTAX}. Các mức cách nhau bởi dấu ; hoặc xuống dòng.")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    row += 1
    _header(ws, row, ("Mức", "Ý nghĩa", ""))
    for text, meaning in HELP_BANDS:
        row += 1
        _put(ws, row, 1, text)
        _put(ws, row, 2, meaning)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 90
    ws.column_dimensions["C"].width = 45


# ---------------------------------------------------------------------------------------------
# Import


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _text(value: Any) -> str:
    """A cell as text: numbers without float noise, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(_float_decimal(value), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _nfc(str(value))


def _float_decimal(value: float) -> Decimal:
    """An Excel float as the Decimal it shows: 0.1 -> Decimal("0.1") (15 significant digits,
    Excel's precision, so 0.1 + 0.2 computed by a formula gives 0.3)."""
    return Decimal(format(value, ".15g"))


def _numeric(value: Any) -> Any:
    """Numbers of a cell as Decimal; text is passed on for the loader to read (and report)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return _float_decimal(value)
    if isinstance(value, int):
        return Decimal(value)
    return _text(value).strip()


def _column_key(header: Any, labels: dict[str, str]) -> str | None:
    """The machine key of a header cell: the word in brackets, or a known label/key."""
    text = _text(header).strip()
    if not text:
        return None
    match = _BRACKET_KEY.search(text)
    if match:
        return match.group(1).lower()
    return labels.get(text.lower())


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.info_source = _info_source(source)
        self.band_rows: set[int] = set()  # rows of the bands table in sheet "Thông tin"
        self.node_rows: dict[int, str] = {}  # rows of sheet "Tiêu chí" -> their code
        self.issues: list[Issue] = []

    def error(self, message: str, row: int | None = None, column: str = "", code: str = "") -> None:
        self.issues.append(Issue(message, self.source, row, column, code))

    def info_error(self, message: str, row: int, column: str) -> None:
        self.issues.append(Issue(message, self.info_source, row, column))

    # -- sheet "Thông tin" ---------------------------------------------------------------------

    def info(self, ws: Worksheet) -> dict[str, Any]:
        data: dict[str, Any] = {}
        labels = {label.lower(): key for key, label, _ in INFO_KEYS}
        labels.update({key: key for key, _, _ in INFO_KEYS})
        labels[BANDS_TITLE.lower()] = BANDS_KEY
        labels["xếp loại"] = BANDS_KEY
        band_labels = {label.lower(): key for key, label in BAND_COLUMNS}
        known = {key for key, _, _ in INFO_KEYS}
        bands: list[dict[str, Any]] | None = None
        band_cols: dict[str, int] = {"code": 0, "label": 1, "min": 2}
        for r, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = tuple(cells) + (None,) * 3
            if all(_text(c).strip() == "" for c in cells[:3]):
                continue
            if bands is not None:
                keys = [_column_key(c, band_labels) for c in cells]
                if "code" in keys and "min" in keys:  # the header of the bands table
                    band_cols = {k: i for i, k in enumerate(keys) if k}
                    continue
                band: dict[str, Any] = {LINE: r}
                self.band_rows.add(r)
                for band_key, i in band_cols.items():
                    value = cells[i] if i < len(cells) else None
                    if band_key == "min":
                        if _text(value).strip():
                            band["min"] = _numeric(value)
                    elif band_key in ("code", "label"):
                        band[band_key] = _text(value).strip()
                bands.append(band)
                continue
            key = _column_key(cells[0], labels)
            if key == "key":  # header row "Khóa (key) | Giá trị (value)"
                continue
            if key == BANDS_KEY:
                bands = []
                continue
            column = "Khóa (key)"
            if key not in known:
                self.info_error(
                    f"khóa '{_text(cells[0]).strip()}' không hợp lệ (các khóa: "
                    f"{', '.join(sorted(known))}, và bảng '{BANDS_TITLE}')",
                    r,
                    column,
                )
                continue
            if key in data:
                self.info_error(f"khóa '{key}' lặp lại", r, column)
                continue
            value = cells[1]
            if key in ("bonus_cap", "deduction_floor"):
                if _text(value).strip():
                    data[key] = _numeric(value)
            elif key == "unit_types":
                items = [t.strip() for t in re.split(r"[,;\n]", _text(value))]
                data[key] = [t for t in items if t]
            elif key in ("description", "name_en"):
                if _text(value):
                    data[key] = _text(value)
            else:
                text = _text(value).strip()
                if text:
                    data[key] = text
        if bands:
            data["bands"] = bands
        return data

    # -- sheet "Tiêu chí" ----------------------------------------------------------------------

    def nodes(self, ws: Worksheet) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
        labels = {c.label.lower(): c.key for c in NODE_COLUMNS}
        labels.update({c.key: c.key for c in NODE_COLUMNS})
        rows = ws.iter_rows(values_only=True)
        header_row = 0
        columns: dict[str, int] = {}
        headers: dict[str, str] = {}
        for r, cells in enumerate(rows, start=1):
            keys = [_column_key(c, labels) for c in cells]
            if "code" in keys:
                header_row = r
                for i, k in enumerate(keys):
                    if k is not None and k in labels.values() and k not in columns:
                        columns[k] = i
                        headers[k] = _text(cells[i]).strip()
                break
            if r >= 20:
                break
        if not header_row:
            self.error(
                f"sheet '{ws.title}' không có dòng tiêu đề với cột 'Mã (code)' (trong 20 dòng đầu)",
            )
            return None
        missing = [k for k in REQUIRED_NODE_COLUMNS if k not in columns]
        for k in missing:
            label = next(c.header for c in NODE_COLUMNS if c.key == k)
            self.error(f"sheet '{ws.title}' thiếu cột '{label}'", header_row)
        if missing:
            return None
        for c in NODE_COLUMNS:
            headers.setdefault(c.key, c.header)

        tree: list[dict[str, Any]] = []
        adjustments: list[dict[str, Any]] = []
        by_code: dict[str, dict[str, Any]] = {}
        pending: list[tuple[dict[str, Any], str]] = []  # (spec, parent code)
        for r, cells in enumerate(ws.iter_rows(min_row=header_row + 1, values_only=True)):
            excel_row = header_row + 1 + r
            values = {k: cells[i] if i < len(cells) else None for k, i in columns.items()}
            if all(_text(v).strip() == "" for v in values.values()):
                continue
            spec, adjustment = self.node_row(values, excel_row, headers)
            code = spec.get("code", "")
            self.node_rows[excel_row] = code
            if adjustment:
                adjustments.append(spec)
                continue
            if code and code not in by_code:
                by_code[code] = spec
            parent = code.rsplit(".", 1)[0] if "." in code else ""
            if parent:
                pending.append((spec, parent))
            else:
                tree.append(spec)
        for spec, parent in pending:
            if parent in by_code and by_code[parent] is not spec:
                by_code[parent].setdefault("children", []).append(spec)
            else:
                self.error(
                    f"không có mục cha '{parent}' trong bảng (mục cha của '{spec['code']}')",
                    spec[LINE],
                    headers["code"],
                    spec["code"],
                )
        return tree, adjustments

    def node_row(
        self, values: dict[str, Any], row: int, headers: dict[str, str]
    ) -> tuple[dict[str, Any], bool]:
        code = _text(values.get("code")).strip()
        spec: dict[str, Any] = {LINE: row, "code": code}
        name = _text(values.get("name")).strip()
        if name:
            spec["name"] = name
        for key in ("name_en", "guidance", "evidence"):
            text = _text(values.get(key))
            if text.strip():
                spec[key] = text
        if _text(values.get("max")).strip():
            spec["max"] = _numeric(values["max"])
        for key in ("method", "not_arising"):
            text = _text(values.get(key)).strip().lower()
            if text:
                spec[key] = text
        applies = _text(values.get("applies_to")).strip()
        if applies:
            spec["applies_to"] = [a.strip() for a in re.split(r"[,;\n]", applies) if a.strip()]
        unknown = _text(values.get("unknown")).strip()
        flag = parse_yes_no(unknown) if unknown else False
        if flag:
            spec["unknown"] = True
        elif flag is None:
            self.error(
                f"'{unknown}' không hợp lệ: ghi 'có' hoặc để trống", row, headers["unknown"], code
            )
        section = _text(values.get("section")).strip().lower()
        adjustment = section in _ADJUSTMENT_WORDS
        if not adjustment and section not in _TREE_WORDS:
            self.error(
                f"loại mục '{section}' không hợp lệ: để trống, hoặc ghi '{ADJUSTMENT}' cho mục "
                "điểm thưởng/điểm trừ",
                row,
                headers["section"],
                code,
            )
        kind = _text(values.get("rule")).strip().lower()
        params_text = _text(values.get("params")).strip()
        bands_text = _text(values.get("bands")).strip()
        if kind in RULE_PARAMS:
            rule: dict[str, Any] = {"kind": kind}
            rule.update(self.params(params_text, kind, row, headers["params"], code))
            if kind == "thresholds":
                rule["bands"] = self.bands(bands_text, row, headers["bands"], code)
            elif bands_text:
                self.error(
                    "chỉ quy tắc thresholds mới có các mức (bands)", row, headers["bands"], code
                )
            spec["rule"] = rule
        elif kind:
            spec["rule"] = {"kind": kind}  # the loader names the valid kinds
        elif params_text or bands_text:
            self.error("có tham số/các mức nhưng chưa ghi quy tắc chấm", row, headers["rule"], code)
        return spec, adjustment

    def params(self, text: str, kind: str, row: int, column: str, code: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        allowed = RULE_PARAMS[kind]
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            match = re.fullmatch(r"([A-Za-z_]+)\s*(?:=|:|→)\s*(.+)", part)
            if not match:
                self.error(
                    f"tham số '{part}' sai cú pháp: cần dạng khóa=giá trị, ví dụ step=0,25",
                    row,
                    column,
                    code,
                )
                continue
            key, raw = match.group(1).lower(), match.group(2).strip()
            if key not in allowed:
                accepted = ", ".join(allowed) if allowed else "không có tham số"
                self.error(
                    f"quy tắc {kind} không có tham số '{key}' (tham số: {accepted})",
                    row,
                    column,
                    code,
                )
                continue
            if key in result:
                self.error(f"tham số '{key}' lặp lại", row, column, code)
                continue
            if key == "over":
                result[key] = _OVER_ALIASES.get(raw.lower(), raw)
                continue
            try:
                result[key] = to_decimal(raw)
            except ValueError:
                self.error(f"tham số '{key}' = '{raw}' không phải là số", row, column, code)
        return result

    def bands(self, text: str, row: int, column: str, code: str) -> list[dict[str, Any]]:
        bands = []
        for part in re.split(r"[;\n]", text):
            part = part.strip()
            if not part:
                continue
            band = parse_band(part)
            if isinstance(band, str):
                self.error(f"mức '{part}' sai cú pháp: {band}", row, column, code)
            else:
                bands.append(band)
        return bands


_BAND = re.compile(
    r"""^([\[(])\s*(?P<lo>.*?)\s*(?:\.{2,}|…)\s*(?P<hi>.*?)\s*([\])])
        \s*(?:=>|->|→|=|:)\s*(?P<points>.+)$""",
    re.VERBOSE,
)


def parse_band(text: str) -> dict[str, Any] | str:
    """`[80..100)=0,5` -> the band's plain data; a string says what is wrong."""
    match = _BAND.match(text.strip())
    if not match:
        return f"cần dạng {BAND_SYNTAX}"
    band: dict[str, Any] = {}
    for key, raw in (("from", match.group("lo")), ("to", match.group("hi"))):
        if raw:
            try:
                band[key] = to_decimal(raw)
            except ValueError:
                return f"cận '{raw}' không phải là số"
    try:
        band["points"] = to_decimal(match.group("points"))
    except ValueError:
        return f"điểm '{match.group('points').strip()}' không phải là số"
    if "from" not in band and "to" not in band:
        return "cần ít nhất một cận (từ hoặc đến)"
    if "from" in band and match.group(1) == "(":
        band["from_inclusive"] = False
    if "to" in band and match.group(4) == "]":
        band["to_inclusive"] = True
    return band


def _sheet(wb: Any, name: str) -> Worksheet | None:
    wanted = _nfc(name).casefold()
    for ws in wb.worksheets:
        if _nfc(ws.title).strip().casefold() == wanted:
            return ws
    return None


def _info_source(source: str) -> str:
    return f"{source} (sheet {INFO_SHEET})"


def _read(path: Path) -> tuple[dict[str, Any], _Reader]:
    """The plain data of a workbook and its reader, which holds the syntax issues of the
    cells. Raises ValidationFailed when the workbook cannot be read at all (not an .xlsx
    file, missing sheet or header)."""
    source = path.name
    try:
        wb = load_workbook(path, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ValidationFailed([Issue(f"không đọc được tệp Excel: {exc}", source)]) from None
    try:
        reader = _Reader(source)
        info = _sheet(wb, INFO_SHEET)
        nodes = _sheet(wb, NODES_SHEET)
        for name, ws in ((INFO_SHEET, info), (NODES_SHEET, nodes)):
            if ws is None:
                reader.error(
                    f"thiếu sheet '{name}' (các sheet có trong tệp: {', '.join(wb.sheetnames)})"
                )
        if info is None or nodes is None:
            raise ValidationFailed(reader.issues)
        data = reader.info(info)
        table = reader.nodes(nodes)
        if table is None:
            raise ValidationFailed(reader.issues)
        data["fields"], adjustments = table
        if adjustments:
            data["adjustments"] = adjustments
        return data, reader
    finally:
        wb.close()


def methodology_dict_from_xlsx(path: str | Path) -> dict[str, Any]:
    """The plain data (as `methodology_from_dict` takes it) of a methodology workbook.
    Raises ValidationFailed on errors of the workbook's layout and cell syntax."""
    data, reader = _read(Path(path))
    if reader.issues:
        raise ValidationFailed(reader.issues)
    return data


def read_methodology_xlsx(path: str | Path) -> Methodology:
    """Read and validate a methodology workbook. Raises ValidationFailed with every issue:
    the syntax errors of the cells and the methodology's own errors (sums, codes, rules), the
    latter left out for rows that already have a syntax error (they would only echo it)."""
    p = Path(path)
    data, reader = _read(p)
    issues = list(reader.issues)
    try:
        m = methodology_from_dict(data, p.name)
    except ValidationFailed as exc:
        bad_rows = {(i.source, i.row) for i in issues if i.row is not None}
        for issue in exc.issues:
            if _on_info_sheet(issue, reader):
                issue = replace(issue, source=reader.info_source)
            if issue.row is None or (issue.source, issue.row) not in bad_rows:
                issues.append(issue)
        raise ValidationFailed(sorted(issues, key=_issue_order)) from None
    if issues:
        raise ValidationFailed(issues)
    return m


def _on_info_sheet(issue: Issue, reader: _Reader) -> bool:
    """Whether a row number the loader reports is a row of the bands table (sheet "Thông
    tin") rather than of sheet "Tiêu chí": the node on that row would carry its own code."""
    if issue.row not in reader.band_rows:
        return False
    return issue.row not in reader.node_rows or issue.code != reader.node_rows[issue.row]


def _issue_order(issue: Issue) -> tuple[int, str, int]:
    return (0 if issue.row is None else 1, issue.source, issue.row or 0)
