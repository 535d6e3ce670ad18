"""The plan as the issuing body signs it (Word, the administrative layout of Decree
30/2020/NĐ-CP through results/report/layout.py) and as a workbook (Excel, openpyxl, text cells
typed as text: common/cells.py).

The Word document: heading block (the unit's superior authority and the unit, "Số: …/KH-…",
quốc hiệu, tiêu ngữ, place and date), "KẾ HOẠCH / Duy trì, cải thiện và nâng cao Chỉ số cải
cách hành chính năm …", I. purpose and requirements, II. last year's result, III. the tasks:
1. recovering lost points, 2. keeping full points — each a table grouped by field —, IV.
organisation, then recipients and signature."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from parindex.common.cells import append_text_safe
from parindex.common.collation import vn_key
from parindex.core import fmt_vn
from parindex.results.exports import Export, ascii_slug
from parindex.results.report import ReportParams
from parindex.results.report.layout import (
    TEXT_WIDTH_MM,
    closing_block,
    data_table,
    fmt_points,
    heading_block,
    new_document,
    page_numbers,
    para,
    rule,
)
from parindex.results.report.params import decision_line
from parindex.results.tables import REASON_LABELS, natural_code

from .models import Plan, Task

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "Duy trì, cải thiện và nâng cao Chỉ số cải cách hành chính năm {y}"


# --- who issues it -------------------------------------------------------------------------------


def _province_of(unit: Any) -> str:
    node = unit
    while node is not None:
        if node.type == "province":
            name = node.name
            for prefix in ("Tỉnh ", "tỉnh ", "Thành phố ", "thành phố "):
                name = name.removeprefix(prefix)
            return name
        node = node.parent
    return ""


def _initials(name: str) -> str:
    from parindex.results.report.params import _initials as initials

    words = [w for w in name.split() if w.lower() not in ("tỉnh", "thành", "phố")]
    return initials(" ".join(words[:4]))


def plan_params(plan: Plan) -> ReportParams:
    """Who issues the plan: a province's People's Committee, a department or a commune."""
    unit = plan.unit
    province = _province_of(unit)
    kind = "thành phố" if province.lower().startswith(("hà nội", "hồ chí minh")) else "tỉnh"
    organiser = plan.source_cycle.organiser.name
    if unit.type == "province":
        issuer = f"ỦY BAN NHÂN DÂN {kind.upper()} {province.upper()}"
        return ReportParams(
            authority="",
            issuer=issuer,
            issuer_name=f"Ủy ban nhân dân {kind} {province}",
            number=plan.number or "…/KH-UBND",
            place=province,
            date=plan.issued_on or timezone.localdate(),
            signer_authority="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
            signer_title="PHÓ CHỦ TỊCH",
            signer_name=plan.signer_name,
            recipients=(
                f"{organiser} (để theo dõi);",
                "Các cơ quan chủ trì, phối hợp;",
                "Lưu: VT, NC.",
            ),
        )
    if unit.type == "commune":
        return ReportParams(
            authority=f"UBND {kind} {province}".upper() if province else "",
            issuer=f"UBND {unit.name}".upper(),
            issuer_name=f"UBND {unit.name}",
            number=plan.number or "…/KH-UBND",
            place=province,
            date=plan.issued_on or timezone.localdate(),
            signer_authority="TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH",
            signer_title="PHÓ CHỦ TỊCH",
            signer_name=plan.signer_name,
            recipients=(
                f"{organiser} (để theo dõi);",
                "Các bộ phận, công chức liên quan;",
                "Lưu: VT.",
            ),
        )
    return ReportParams(
        authority=f"UBND {kind} {province}".upper() if province else "",
        issuer=unit.name.upper(),
        issuer_name=unit.name,
        number=plan.number or f"…/KH-{_initials(unit.name)}",
        place=province,
        date=plan.issued_on or timezone.localdate(),
        signer_authority="KT. GIÁM ĐỐC",
        signer_title="PHÓ GIÁM ĐỐC",
        signer_name=plan.signer_name,
        recipients=(f"{organiser} (để theo dõi);", "Các phòng, đơn vị thuộc Sở;", "Lưu: VT."),
    )


# --- Word ----------------------------------------------------------------------------------------


def _tasks(plan: Plan) -> list[Task]:
    qs = plan.tasks.select_related("lead_agency").prefetch_related("cooperating")
    return sorted(qs, key=lambda t: (natural_code(t.code), t.code))


def _heading(doc: DocumentType, text: str) -> None:
    para(doc, text, bold=True, indent=True, before=6, after=6, keep_next=True)


def _bullets(doc: DocumentType, lines: Sequence[str]) -> None:
    for line in lines:
        para(doc, f"- {line}", indent=True)


def _date(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _grouped_table(
    doc: DocumentType,
    tasks: Sequence[Task],
    fields: dict[str, str],
    header: Sequence[str],
    widths: Sequence[float],
    numeric: Sequence[int],
    cells: Any,
) -> None:
    """A task table with a bold row per field (merged across), then its tasks."""
    rows: list[list[str]] = []
    group_rows: list[int] = []
    current = None
    n = 0
    for t in tasks:
        if t.field_code != current:
            current = t.field_code
            group_rows.append(len(rows))
            label = f"Lĩnh vực {current}. {fields.get(current, '')}"
            rows.append([label] + [""] * (len(header) - 1))
        n += 1
        rows.append([str(n), *cells(t)])
    table = data_table(doc, header, rows, widths, numeric=numeric, size=11)
    for i in group_rows:
        row = table.rows[i + 1]
        merged = row.cells[0].merge(row.cells[-1])
        for extra in merged.paragraphs[1:]:  # the merged cells' empty paragraphs
            extra._element.getparent().remove(extra._element)
        para_ = merged.paragraphs[0]
        para_.alignment = WD_ALIGN_PARAGRAPH.LEFT
        for run in para_.runs:
            run.bold = True


def _agencies_text(t: Task) -> tuple[str, str]:
    lead = t.lead_agency.name if t.lead_agency else ""
    others = sorted((u.name for u in t.cooperating.all()), key=vn_key)
    return lead, ", ".join(others)


def plan_docx(plan: Plan) -> bytes:
    p = plan_params(plan)
    when = p.date or timezone.localdate()
    src = plan.source_cycle
    tasks = _tasks(plan)
    recover = [t for t in tasks if t.kind == Task.Kind.RECOVER]
    maintain = [t for t in tasks if t.kind == Task.Kind.MAINTAIN]
    fields = {f.code: f.name for f in src.methodology.tree.fields}
    doc = new_document()
    page_numbers(doc)
    heading_block(doc, p, when)
    para(doc, "KẾ HOẠCH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    para(
        doc,
        TITLE.format(y=plan.year),
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    rule(doc, 40, TEXT_WIDTH_MM, after=12)
    decision = decision_line(src)
    para(
        doc,
        f"Căn cứ kết quả xác định Chỉ số cải cách hành chính năm {src.year} ({src.name}"
        + (f", {decision}" if decision else "")
        + f"); {p.issuer_name} ban hành Kế hoạch duy trì, cải thiện và nâng cao Chỉ số cải "
        f"cách hành chính năm {plan.year} như sau:",
        indent=True,
    )
    _heading(doc, "I. MỤC ĐÍCH, YÊU CẦU")
    _heading(doc, "1. Mục đích")
    purposes = [
        f"Cải thiện, khắc phục những tồn tại, hạn chế trong thực hiện các nội dung của Chỉ số "
        f"cải cách hành chính năm {src.year} theo kết quả đánh giá của Hội đồng thẩm định.",
        "Duy trì và tiếp tục nâng cao các nội dung của Chỉ số đã đạt mức điểm tối đa.",
    ]
    if plan.goal:
        purposes.append(plan.goal)
    _bullets(doc, purposes)
    _heading(doc, "2. Yêu cầu")
    _bullets(
        doc,
        [
            "Các cơ quan, đơn vị, đặc biệt là các cơ quan chủ trì, đánh giá đúng thực trạng, "
            "kết quả thực hiện các nội dung được giao; xác định rõ nhiệm vụ, thời hạn hoàn "
            "thành và sản phẩm (tài liệu kiểm chứng).",
            "Phát huy vai trò, trách nhiệm của người đứng đầu cơ quan, đơn vị và của cán bộ, "
            "công chức, viên chức trong thực thi công vụ.",
        ],
    )
    _heading(doc, f"II. KẾT QUẢ CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM {src.year}")
    lost = sum((t.lost for t in recover), Decimal(0))
    recoverable = sum((t.recoverable for t in recover), Decimal(0))
    result = ""
    if plan.source_points is not None and plan.source_max is not None:
        result = (
            f"Năm {src.year}, {plan.unit.name} đạt {fmt_vn(plan.source_points, 2)}/"
            f"{fmt_vn(plan.source_max, 2)} điểm"
            + (f" (Chỉ số {fmt_vn(plan.source_index, 2)}%)" if plan.source_index else "")
            + (
                f", xếp thứ {plan.source_rank}/{plan.source_ranked}"
                if plan.source_rank and plan.source_ranked
                else ""
            )
            + ". "
        )
    para(
        doc,
        result + f"Có {len(recover)} tiêu chí thành phần bị trừ tổng cộng {fmt_vn(lost, 2)} điểm, "
        f"trong đó {fmt_vn(recoverable, 2)} điểm có thể khắc phục; {len(maintain)} tiêu chí "
        "thành phần đạt điểm tối đa.",
        indent=True,
    )
    _heading(doc, "III. NHIỆM VỤ, GIẢI PHÁP")
    _heading(doc, "1. Khắc phục các nội dung bị trừ điểm")
    if recover:
        _grouped_table(
            doc,
            recover,
            fields,
            ["TT", "Tiêu chí thành phần", "Điểm bị trừ", "Nhiệm vụ, giải pháp", "Chủ trì",
             "Phối hợp", "Thời hạn", "Điểm phấn đấu"],
            (8, 32, 12, 38, 21, 18, 22, 14),
            (2, 7),
            lambda t: [
                f"{t.code}. {t.name}",
                fmt_points(t.lost),
                t.description
                + (f" ({REASON_LABELS[t.reason]})" if t.reason in REASON_LABELS else ""),
                *_agencies_text(t),
                _date(t.deadline),
                fmt_points(t.expected_points),
            ],
        )  # fmt: skip
    else:
        para(doc, "Không có nội dung bị trừ điểm.", indent=True)
    _heading(doc, "2. Duy trì các nội dung đạt điểm tối đa")
    if maintain:
        _grouped_table(
            doc,
            maintain,
            fields,
            ["TT", "Tiêu chí thành phần", "Điểm tối đa", "Nhiệm vụ, giải pháp", "Chủ trì",
             "Thời hạn"],
            (8, 48, 14, 46, 28, 21),
            (2,),
            lambda t: [
                f"{t.code}. {t.name}",
                fmt_points(t.max_points),
                t.description,
                _agencies_text(t)[0],
                _date(t.deadline),
            ],
        )  # fmt: skip
    else:
        para(doc, "Không có nội dung đạt điểm tối đa.", indent=True)
    _heading(doc, "IV. TỔ CHỨC THỰC HIỆN")
    _bullets(
        doc,
        [
            "Các cơ quan được giao chủ trì căn cứ nhiệm vụ tại mục III xây dựng kế hoạch chi "
            "tiết, tổ chức thực hiện, lưu giữ tài liệu kiểm chứng và báo cáo tiến độ trên hệ "
            "thống theo thời hạn được giao.",
            "Các cơ quan phối hợp có trách nhiệm phối hợp, cung cấp thông tin, tài liệu cho "
            "cơ quan chủ trì.",
            f"{src.organiser.name} theo dõi, đôn đốc, tổng hợp kết quả thực hiện Kế hoạch.",
        ],
    )
    para(
        doc,
        f"Trên đây là Kế hoạch duy trì, cải thiện và nâng cao Chỉ số cải cách hành chính năm "
        f"{plan.year} của {p.issuer_name}. Yêu cầu các cơ quan, đơn vị nghiêm túc triển khai "
        "thực hiện./.",
        indent=True,
        keep_next=True,
    )
    closing_block(doc, p)
    doc.core_properties.title = f"Kế hoạch {TITLE.format(y=plan.year)}"
    doc.core_properties.author = p.issuer
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --- Excel ---------------------------------------------------------------------------------------

HEADER = (
    "STT", "Mã", "Tiêu chí thành phần", "Lĩnh vực", "Loại nhiệm vụ", "Điểm tối đa",
    "Điểm năm trước", "Điểm bị trừ", "Có thể khắc phục", "Lý do bị trừ",
    "Ý kiến Hội đồng thẩm định", "Nhiệm vụ, giải pháp", "Cơ quan chủ trì", "Cơ quan phối hợp",
    "Thời hạn", "Điểm phấn đấu", "Nguồn lực (ngày công)", "Kinh phí (triệu đồng)",
    "Tình trạng", "Tiến độ (%)", "Quá hạn",
)  # fmt: skip
WIDTHS = (5, 8, 40, 8, 11, 9, 9, 9, 10, 22, 30, 40, 24, 24, 11, 9, 10, 10, 14, 8, 8)
NUMBERS = {6, 7, 8, 9, 16, 17, 18}  # 1-based columns holding points, days, money


def plan_xlsx(plan: Plan) -> bytes:
    today = timezone.localdate()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Nhiệm vụ"
    title = f"KẾ HOẠCH {TITLE.format(y=plan.year).upper()} — {plan.unit.name.upper()}"
    append_text_safe(ws, [title])
    ws["A1"].font = Font(bold=True, size=13)
    append_text_safe(
        ws,
        [f"Căn cứ kết quả kỳ đánh giá: {plan.source_cycle.name}. Xuất ngày {_date(today)}."],
    )
    ws.append([])
    append_text_safe(ws, HEADER)
    head = ws.max_row
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for n, t in enumerate(_tasks(plan), 1):
        lead, others = _agencies_text(t)
        append_text_safe(
            ws,
            [
                n,
                t.code,
                t.name,
                t.field_code,
                t.get_kind_display(),
                t.max_points,
                t.last_points,
                t.lost,
                t.recoverable,
                str(REASON_LABELS.get(t.reason, t.reason)) if t.reason else "",
                t.comment,
                t.description,
                lead,
                others,
                t.deadline,
                t.expected_points,
                t.effort_days,
                t.cost,
                t.get_status_display(),
                t.progress,
                "Quá hạn" if t.overdue_on(today) else "",
            ],
        )
        row = ws.max_row
        for col in NUMBERS:
            ws.cell(row, col).number_format = "0.00"
        ws.cell(row, 15).number_format = "dd/mm/yyyy"
        lines = 1
        for cell in ws[row]:
            cell.alignment = Alignment(vertical="top")
        for col in (3, 10, 11, 12, 13, 14):
            ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
            text = str(ws.cell(row, col).value or "")
            lines = max(lines, -(-len(text) * 11 // (10 * WIDTHS[col - 1])))
        ws.row_dimensions[row].height = 15 * min(lines, 12)  # wrapped text shows whole
    for i, w in enumerate(WIDTHS, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = ws.cell(head + 1, 4)
    ws.auto_filter.ref = f"A{head}:{get_column_letter(len(HEADER))}{ws.max_row}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{head}:{head}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_plan(plan: Plan, fmt: str) -> Export:
    """The plan as `fmt` ("docx" or "xlsx")."""
    name = f"ke-hoach-cai-thien-chi-so-cchc-{plan.year}-{ascii_slug(plan.unit.name)}"
    if fmt == "docx":
        return Export(f"{name}.docx", DOCX, plan_docx(plan))
    if fmt == "xlsx":
        return Export(f"{name}.xlsx", XLSX, plan_xlsx(plan))
    raise ValueError(f"unknown format: {fmt}")
