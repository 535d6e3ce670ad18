"""A unit's self-assessment report (Báo cáo kết quả tự đánh giá, chấm điểm xác định Chỉ số
CCHC) in the layout of Decree 30/2020/NĐ-CP, as a unit sends it to the organiser: the heading
block of the unit, "BÁO CÁO" and its summary; I. the summary table per field / criterion /
sub-criterion (maximum, self-assessed points, evidence documents by number, date and issuer);
II. the explanation of every item without evidence or below its maximum; III. the items
marked not arising with their justification; IV. difficulties; V. recommendations; the
recipients and the signature of the unit's leader (the UBND's chairman for a province or a
commune).

`self_assessment_docx(data)` takes parindex.assessment.services.self_report.SelfReportData;
`self_report_params(participation)` says who issues it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH

from parindex.core import fmt_vn

from .layout import (
    TEXT_WIDTH_MM,
    caption,
    closing_block,
    data_table,
    fmt_points,
    heading_block,
    new_document,
    page_numbers,
    para,
    rule,
    shade,
)
from .params import ReportParams, _strip_prefix

if TYPE_CHECKING:
    from parindex.assessment.services.self_report import EvidenceDoc, ReportRow, SelfReportData

NOT_ARISING = "Không phát sinh"
CRITERION_FILL = "F2F2F2"


def _issuer(unit: Any) -> tuple[str, str]:
    """(superior authority, issuing body) of the heading block for a unit."""
    parent = unit.parent
    if unit.type in ("province", "commune"):
        return "", f"ỦY BAN NHÂN DÂN {_strip_prefix(unit.name)}".upper()
    if parent is not None and parent.type == "province":
        return f"UBND {parent.name}".upper().replace("UBND UBND", "UBND"), unit.name.upper()
    return "", unit.name.upper()


def _signer(unit: Any) -> tuple[str, str]:
    """(on whose behalf, title) of the signature block: the unit's head."""
    if unit.type in ("province", "commune"):
        return "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    # A head signing in their own name: the title alone, on the first line.
    if unit.type == "ministry":
        return "BỘ TRƯỞNG", ""
    return "GIÁM ĐỐC", ""


def _province_name(unit: Any) -> str:
    node = unit
    while node is not None:
        if node.type == "province":
            return _strip_prefix(node.name)
        node = node.parent
    return ""


def self_report_params(data: SelfReportData, **overrides: Any) -> ReportParams:
    """Who issues the report: the unit (its authority above it for a department), the
    number "…/BC-" + the unit's code, the place its province, the date today, the
    recipient the cycle's organiser, the signer the unit's leader."""
    p = data.participation
    unit, organiser = p.unit, p.cycle.organiser
    authority, issuer = _issuer(unit)
    on_behalf, title = _signer(unit)
    params = ReportParams(
        authority=authority,
        issuer=issuer,
        issuer_name=unit.name,
        authority_name=organiser.name,
        number=f"…/BC-{unit.code}",
        place=_province_name(unit),
        date=timezone.localdate(),
        title=(
            "Kết quả tự đánh giá, chấm điểm xác định Chỉ số cải cách hành chính năm "
            f"{data.year} của {unit.name}"
        ),
        signer_authority=on_behalf,
        signer_title=title,
        signer_name=data.signer_name,
        recipients=(f"{organiser.name} (để tổng hợp);", "Lưu: VT."),
    )
    from dataclasses import replace

    return replace(params, **overrides)


def doc_line(doc: EvidenceDoc) -> str:
    """ "Số 12/KH-UBND ngày 15/01/2025 của UBND tỉnh Lào Cai: Kế hoạch CCHC năm 2025"."""
    parts = [f"Số {doc.number}" if doc.number else "(chưa ghi số)"]
    if doc.date:
        parts.append(f"ngày {doc.date:%d/%m/%Y}")
    if doc.issuer:
        parts.append(f"của {doc.issuer}")
    text = " ".join(parts)
    if doc.title:
        text += f": {doc.title}"
    if doc.page_ref:
        text += f" ({doc.page_ref})"
    return text


def _points_cell(row: ReportRow) -> str:
    if row.absent:
        return "Không thực hiện"
    if row.not_arising:
        return NOT_ARISING
    if row.leaf and row.organiser and row.points is None:
        return "Cơ quan tổ chức xác định"
    return fmt_points(row.points) if row.points is not None else "Chưa chấm"


def _evidence_cell(row: ReportRow) -> str:
    if not row.leaf:
        return ""
    if row.absent:
        return "Khối không thực hiện (xem dưới Bảng 1)"
    if row.organiser:
        return "Số liệu điều tra, số liệu do cơ quan tổ chức cung cấp"
    listed = "\n".join(f"- {doc_line(d)}" for d in row.evidence)
    return listed or ("Xem mục III" if row.not_arising else "Chưa có")


def _heading(doc: DocumentType, text: str) -> None:
    para(
        doc,
        text,
        bold=True,
        before=6,
        after=6,
        indent=True,
        keep_next=True,
        align=WD_ALIGN_PARAGRAPH.LEFT,
    )


def _summary_table(doc: DocumentType, rows: Sequence[ReportRow]) -> None:
    body = [
        [r.code, r.name, fmt_points(r.max_points), _points_cell(r), _evidence_cell(r)] for r in rows
    ]
    table = data_table(
        doc,
        ["Mã", "Lĩnh vực, tiêu chí, tiêu chí thành phần", "Điểm tối đa", "Điểm tự đánh giá",
         "Tài liệu kiểm chứng (số, ngày, cơ quan ban hành)"],
        body,
        [14.0, 55.0, 16.0, 20.0, 60.0],
        numeric=(2, 3),
        size=11,
    )  # fmt: skip
    for table_row, r in zip(list(table.rows)[1:], rows, strict=True):
        if r.leaf:
            continue
        for cell in table_row.cells:
            if r.depth == 1:
                shade(cell)
            else:
                shade(cell, CRITERION_FILL)
            for run in cell.paragraphs[0].runs:
                run.bold = True
                run.italic = r.depth > 1


def _explanations(doc: DocumentType, rows: Sequence[ReportRow], table_no: int) -> int:
    if not rows:
        para(
            doc,
            "Tất cả các tiêu chí thành phần đơn vị tự đánh giá đều đạt điểm tối đa và có tài "
            "liệu kiểm chứng.",
            indent=True,
        )
        return table_no
    para(
        doc,
        f"Có {len(rows)} tiêu chí thành phần chưa có tài liệu kiểm chứng hoặc tự đánh giá chưa "
        "đạt điểm tối đa; đơn vị giải trình như sau:",
        indent=True,
    )
    table_no += 1
    caption(doc, f"Bảng {table_no}. Giải trình của đơn vị", above=True)
    body = []
    for r in rows:
        why = []
        if r.points is None:
            why.append("chưa chấm")
        elif r.below_max:
            why.append(f"đạt {fmt_points(r.points)}/{fmt_points(r.max_points)} điểm")
        if not r.evidence:
            why.append("chưa có tài liệu kiểm chứng")
        body.append([r.code, r.name, "; ".join(why).capitalize(), r.note or "(Chưa giải trình)"])
    data_table(
        doc,
        ["Mã", "Tiêu chí thành phần", "Nội dung cần giải trình", "Giải trình của đơn vị"],
        body,
        [14.0, 48.0, 35.0, 68.0],
        size=11,
    )
    return table_no


def _not_arising(doc: DocumentType, rows: Sequence[ReportRow], table_no: int) -> int:
    if not rows:
        para(doc, "Không có tiêu chí thành phần nào không phát sinh.", indent=True)
        return table_no
    table_no += 1
    caption(doc, f"Bảng {table_no}. Các tiêu chí thành phần không phát sinh và lý do", above=True)
    body = [
        [r.code, r.name, r.note, "\n".join(f"- {doc_line(d)}" for d in r.evidence)] for r in rows
    ]
    data_table(
        doc,
        ["Mã", "Tiêu chí thành phần", "Lý do không phát sinh", "Tài liệu kiểm chứng"],
        body,
        [14.0, 48.0, 55.0, 48.0],
        size=11,
    )
    return table_no


def _free_text(doc: DocumentType, text: str) -> None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines or ["Không có."]:
        para(doc, line, indent=True)


def self_assessment_docx(data: SelfReportData, params: ReportParams | None = None) -> bytes:
    """The Word report of one unit's self-assessment (see the module docstring)."""
    p = params or self_report_params(data)
    part = data.participation
    m = part.cycle.methodology.tree
    doc = new_document()
    page_numbers(doc)
    heading_block(doc, p, p.date or timezone.localdate())
    para(doc, "BÁO CÁO", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    para(doc, p.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    rule(doc, 40, TEXT_WIDTH_MM, after=12)
    intro = (
        f"Căn cứ {m.name}"
        + (f" ({m.decision})" if getattr(m, "decision", "") else "")
        + f", {p.issuer_name} báo cáo kết quả tự đánh giá, chấm điểm xác định Chỉ số cải cách "
        f"hành chính năm {data.year} như sau:"
    )
    para(doc, intro, indent=True)

    _heading(doc, "I. KẾT QUẢ TỰ ĐÁNH GIÁ, CHẤM ĐIỂM")
    total = (
        f"Tổng điểm tự đánh giá: {fmt_vn(data.points)}/{fmt_vn(data.max_points)} điểm, "
        f"chỉ số đạt {fmt_vn(data.index)}%"
    )
    if data.bonus or data.deduction:
        total += f" (điểm thưởng {fmt_vn(data.bonus)}, điểm trừ {fmt_vn(data.deduction)})"
    leaves = data.leaves
    with_docs = sum(1 for r in leaves if r.evidence)
    para(
        doc,
        f"{total}. Có {len(leaves)} tiêu chí thành phần, trong đó {with_docs} tiêu chí thành "
        f"phần có tài liệu kiểm chứng và {len(data.not_arising)} tiêu chí thành phần không "
        "phát sinh.",
        indent=True,
    )
    caption(doc, "Bảng 1. Kết quả tự đánh giá, chấm điểm", above=True)
    _summary_table(doc, data.rows)
    for text in data.absent_texts:  # a block not carried out, and how the points are scaled
        para(doc, f"{text}.", indent=True, before=4)
    para(doc, "", after=4)

    _heading(
        doc,
        "II. GIẢI TRÌNH CÁC TIÊU CHÍ THÀNH PHẦN CHƯA CÓ TÀI LIỆU KIỂM CHỨNG HOẶC CHƯA ĐẠT "
        "ĐIỂM TỐI ĐA",
    )
    table_no = _explanations(doc, data.to_explain, 1)
    _heading(doc, "III. CÁC TIÊU CHÍ THÀNH PHẦN KHÔNG PHÁT SINH")
    _not_arising(doc, data.not_arising, table_no)
    _heading(doc, "IV. KHÓ KHĂN, VƯỚNG MẮC")
    _free_text(doc, data.difficulties)
    _heading(doc, "V. ĐỀ XUẤT, KIẾN NGHỊ")
    _free_text(doc, data.recommendations)
    para(
        doc,
        f"Trên đây là báo cáo kết quả tự đánh giá, chấm điểm xác định Chỉ số cải cách hành "
        f"chính năm {data.year} của {p.issuer_name}, gửi {p.authority_name} tổng hợp./.",
        indent=True,
        keep_next=True,
    )
    closing_block(doc, p)
    doc.core_properties.title = f"Báo cáo {p.title}"
    doc.core_properties.author = p.issuer_name
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
