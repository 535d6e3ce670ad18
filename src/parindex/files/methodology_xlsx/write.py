"""Export: a methodology as a workbook that `read.read_methodology_xlsx` reads back."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parindex.common.cells import put_text_safe
from parindex.core.errors import Issue, ValidationFailed
from parindex.core.loader import FORMAT
from parindex.core.model import METHODS, NOT_ARISING_POLICIES, Methodology, Node
from parindex.core.rules import RULE_KINDS, Band, Piecewise, RatioRule, Rule, Thresholds
from parindex.core.values import YES_TEXT

from .layout import (
    ADJUSTMENT,
    BAND_COLUMNS,
    BAND_SYNTAX,
    BANDS_TITLE,
    HEADER_FILL,
    HEADER_FONT,
    HELP_SHEET,
    HINT_FONT,
    INFO_KEYS,
    INFO_SHEET,
    MAX_CELL_TEXT,
    NODE_COLUMNS,
    NODES_SHEET,
    NUMBER_FORMAT,
    TITLE_FONT,
)
from .structure_sheet import STRUCTURE_SHEET, write_structure


def write_methodology_xlsx(m: Methodology, path: str | Path) -> None:
    """Write a methodology as an Excel workbook that `read_methodology_xlsx` reads back."""
    wb = Workbook()
    info = wb.active
    assert info is not None
    info.title = INFO_SHEET
    _write_info(info, m)
    _write_nodes(wb.create_sheet(NODES_SHEET), m)
    if m.structure is not None:
        write_structure(wb.create_sheet(STRUCTURE_SHEET), m.structure, _put, _header, _number)
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
    cell = put_text_safe(ws, row, col, value)
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
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
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
        "absent_block": m.absent_block,
        "valid_from_year": str(m.valid_from_year or ""),
        "valid_to_year": str(m.valid_to_year or ""),
        "period_from": f"{m.period_from:%d/%m/%Y}" if m.period_from else "",
        "period_to": f"{m.period_to:%d/%m/%Y}" if m.period_to else "",
    }
    row = 2
    for key, label, hint in INFO_KEYS:
        _put(ws, row, 1, f"{label} ({key})").font = HEADER_FONT
        value = values[key]
        if isinstance(value, Decimal):
            cell = _put(ws, row, 2, _number(value))
            cell.number_format = NUMBER_FORMAT
            cell.alignment = Alignment(horizontal="left")
        elif value:
            cell = _put(ws, row, 2, value)
            cell.number_format = "@"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        else:
            ws.cell(row=row, column=2).number_format = "@"
        if key == "not_arising_default":
            _dropdown(ws, NOT_ARISING_POLICIES, f"B{row}", allow_blank=False)
        _put(ws, row, 3, hint).font = HINT_FONT
        row += 1
    row += 1
    _put(ws, row, 1, BANDS_TITLE).font = TITLE_FONT
    _put(ws, row, 3, "Xếp loại theo chỉ số: mức đầu tiên (min cao nhất trước) có min ≤ chỉ số")
    ws.cell(row=row, column=3).font = HINT_FONT
    row += 1
    _header(ws, row, (f"{label} ({key})" for key, label in BAND_COLUMNS))
    for grade in m.grades:
        row += 1
        _put(ws, row, 1, grade.code).number_format = "@"
        _put(ws, row, 2, grade.label)
        _put(ws, row, 3, _number(grade.min_index)).number_format = NUMBER_FORMAT
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
        if key in ("kind", "bands", "breakpoints"):
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
        "gate": YES_TEXT if node.gate else "",
        "block": YES_TEXT if node.block else "",
        "valid_from": f"{node.valid_from:%d/%m/%Y}" if node.valid_from else "",
        "valid_to": f"{node.valid_to:%d/%m/%Y}" if node.valid_to else "",
        "section": ADJUSTMENT if adjustment else "",
    }
    if node.is_leaf:
        row["method"] = node.method
        if node.rule is not None:
            row["rule"] = node.rule.kind
            row["params"] = _params_text(node.rule)
            if isinstance(node.rule, Thresholds):
                row["bands"] = "; ".join(band_text(b) for b in node.rule.bands)
            elif isinstance(node.rule, RatioRule) and node.rule.bands is not None:
                row["bands"] = "; ".join(band_text(b) for b in node.rule.bands.bands)
            elif isinstance(node.rule, Piecewise):
                row["bands"] = "; ".join(
                    f"{_num_text(b.at)}={_num_text(b.points)}" for b in node.rule.breakpoints
                )
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
                ws.cell(row=r, column=col).font = HEADER_FONT
        ws.cell(row=r, column=col_of["max"]).number_format = NUMBER_FORMAT
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
    (
        "ratio",
        "full_at=100  |  hoặc các mức [100..100]=1; [80..100)=0,5; [0..80)=0",
        "Nhập hai số: số đã thực hiện / tổng số (ví dụ 45/50); tỷ lệ = 45/50 × 100 = 90,0000 % "
        "(4 chữ số thập phân). Chấm tỷ lệ thuận (min(tỷ lệ / full_at; 1) × điểm tối đa) hoặc theo "
        "các mức (cột 'Các mức', như thresholds). 0/0 = không phát sinh.",
    ),
    (
        "piecewise",
        "over=percent; floor=50  |  50=0,5; 100=1",
        "Tuyến tính từng đoạn giữa các điểm gãy ghi ở cột 'Các mức' dạng giá trị=điểm, tăng "
        "dần; dưới floor (mặc định = điểm gãy đầu tiên) được 0 điểm; trên điểm gãy cuối được "
        "điểm của điểm gãy cuối.",
    ),
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
            cell.font = TITLE_FONT
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        ws.row_dimensions[row].height = 15 * (len(line) // 150 + 1)  # merged: no auto height
        row += 1
    row += 1
    _put(ws, row, 1, "Các cột của sheet 'Tiêu chí'").font = TITLE_FONT
    row += 1
    _header(ws, row, ("Cột", "Ý nghĩa", "Ví dụ"))
    for c in NODE_COLUMNS:
        row += 1
        _put(ws, row, 1, c.header).font = HEADER_FONT
        _put(ws, row, 2, c.help).alignment = Alignment(wrap_text=True, vertical="top")
        if c.example:
            _put(ws, row, 3, c.example).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    _put(ws, row, 1, "Quy tắc chấm và tham số").font = TITLE_FONT
    row += 1
    _header(ws, row, ("Quy tắc (rule)", "Ý nghĩa", "Ví dụ tham số / các mức"))
    for kind, example, meaning in HELP_RULES:
        row += 1
        _put(ws, row, 1, kind).font = HEADER_FONT
        _put(ws, row, 2, meaning).alignment = Alignment(wrap_text=True, vertical="top")
        if example:
            _put(ws, row, 3, example).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    _put(ws, row, 1, "Cú pháp các mức (bands)").font = TITLE_FONT
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
