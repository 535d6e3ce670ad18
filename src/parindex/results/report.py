"""The Word report (báo cáo kết quả xác định Chỉ số CCHC) in the layout of administrative
documents of Decree 30/2020/NĐ-CP (Appendix I): A4, margins top/bottom 20 mm, left 30 mm,
right 15 mm; Times New Roman, body 14 pt; the heading block as a borderless two-column table
(issuing authority and agency with a short rule, "Số: …/BC-…" | national title, motto,
place and date in italics); "BÁO CÁO" and the summary (trích yếu) in bold, centred, with a
short rule; sections I-IV with tables (header shaded, repeated on each page) and charts;
the recipients block bottom-left and the signature block bottom-right; page numbers centred
at the top from page 2.

`ReportParams` carries the organisation names, number, place, date and signer;
`report_params_for(cycle)` derives defaults from the cycle's organiser.
"""

from __future__ import annotations

import io
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from parindex.core import fmt_vn, q4

from . import charts
from .tables import (
    EVIDENCE,
    KIND_LABELS,
    CycleResults,
    LedgerEntry,
    UnitRow,
    node_stats,
    type_order,
    unit_type_label,
)

FONT = "Times New Roman"
TEXT_WIDTH_MM = 165  # A4 210 mm - left 30 - right 15
HEADER_FILL = "D9E2F3"

GROUP_NAMES = {
    "ministry": "các bộ, ngành",
    "province": "các tỉnh, thành phố",
    "department": "các sở, ban, ngành",
    "commune": "UBND các xã, phường, đặc khu",
}
BLOCK_NAMES = {
    "ministry": "Khối bộ, ngành",
    "province": "Khối tỉnh, thành phố",
    "department": "Khối sở, ban, ngành",
    "commune": "Khối xã, phường, đặc khu",
}


@dataclass(frozen=True)
class ReportParams:
    """What the report says about who issues it. Defaults: report_params_for(cycle)."""

    authority: str = ""  # "UBND TỈNH LÀO CAI" (the superior body; empty for a ministry)
    issuer: str = "SỞ NỘI VỤ"
    issuer_name: str = "Sở Nội vụ"  # as written inside sentences
    authority_name: str = ""  # "UBND tỉnh", to whom the report is addressed
    number: str = "…/BC-SNV"  # printed after "Số: "
    place: str = ""
    date: date | None = None
    title: str = "Kết quả xác định Chỉ số cải cách hành chính"
    signer_authority: str = "KT. GIÁM ĐỐC"
    signer_title: str = "PHÓ GIÁM ĐỐC"
    signer_name: str = ""
    recipients: tuple[str, ...] = ("Lưu: VT, CCHC.",)
    intro: str = ""  # the opening paragraph; default built from the results
    proposals: tuple[str, ...] = ()  # replace the proposals derived from the results
    closing: str = ""
    charts: bool = True


def vn_date_line(place: str, d: date) -> str:
    """ "Lào Cai, ngày 05 tháng 02 năm 2026": a day below 10 and a month below 3 take a
    leading zero (Decree 30/2020/NĐ-CP, Appendix I)."""
    day = f"{d.day:02d}" if d.day < 10 else str(d.day)
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    prefix = f"{place}, ngày" if place else "…, ngày"
    return f"{prefix} {day} tháng {month} năm {d.year}"


def _strip_prefix(name: str) -> str:
    low = name.lower()
    for p in ("tỉnh ", "thành phố ", "ubnd tỉnh ", "ubnd thành phố ", "ủy ban nhân dân tỉnh "):
        if low.startswith(p):
            return name[len(p) :].strip()
    return name.strip()


def _initials(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = folded.encode("ascii", "ignore").decode()
    return "".join(w[0].upper() for w in ascii_name.split() if w[:1].isalpha())


def report_params_for(cycle: Any, **overrides: Any) -> ReportParams:
    """Defaults from the cycle's organiser: the issuer is its name ("Sở Nội vụ"), the
    authority its province ("UBND TỈNH LÀO CAI"), the place the province's name, the number
    "…/BC-" + the organiser's code (or initials), the date the publication date or today."""
    org = cycle.organiser
    name = org.name
    province = ""
    for sep in (" tỉnh ", " thành phố "):
        if sep in name.lower():
            i = name.lower().index(sep)
            name, province = name[:i], name[i + len(sep) :]
            break
    parent = getattr(org, "parent", None)
    if not province and parent is not None and parent.type == "province":
        province = _strip_prefix(parent.name)
    code = org.code if org.code.isalnum() and org.code.isupper() and len(org.code) <= 8 else ""
    abbrev = code or _initials(name)
    kind = (
        "thành phố"
        if province.lower().startswith(
            ("hà nội", "hồ chí minh", "hải phòng", "đà nẵng", "cần thơ", "huế")
        )
        else "tỉnh"
    )
    authority = f"UBND {kind} {province}".upper() if province else ""
    types = sorted(
        {p.unit.type for p in cycle.participations.select_related("unit")}, key=type_order
    )
    groups = " và ".join(GROUP_NAMES.get(t, t) for t in types) or "các cơ quan, đơn vị"
    recipients = []
    if authority:
        recipients.append(f"UBND {kind} (để báo cáo);")
    recipients += [f"{GROUP_NAMES.get(t, t)[0].upper()}{GROUP_NAMES.get(t, t)[1:]};" for t in types]
    recipients.append(f"Lưu: VT, {abbrev}." if not code else "Lưu: VT, CCHC.")
    is_ministry = org.type == "ministry"
    params = ReportParams(
        authority=authority,
        issuer=name.upper(),
        issuer_name=name,
        authority_name=f"UBND {kind}" if authority else "",
        number=f"…/BC-{abbrev}",
        place=province,
        date=cycle.publication_date or timezone.localdate(),
        title=(f"Kết quả xác định Chỉ số cải cách hành chính năm {cycle.year} của {groups}"),
        signer_authority="KT. BỘ TRƯỞNG" if is_ministry else "KT. GIÁM ĐỐC",
        signer_title="THỨ TRƯỞNG" if is_ministry else "PHÓ GIÁM ĐỐC",
        recipients=tuple(recipients),
    )
    return replace(params, **overrides)


# --- low-level helpers -----------------------------------------------------------------------


def _set_font(run_or_style: Any, size: float | None = None) -> None:
    font = run_or_style.font
    font.name = FONT
    if size:
        font.size = Pt(size)
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _para(
    container: Any,
    text: str = "",
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    before: float = 0,
    after: float = 6,
    keep_next: bool = False,
) -> Paragraph:
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.15
    if indent:
        fmt.first_line_indent = Mm(12.7)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)
    return p


def _runs(p: Paragraph, parts: Sequence[tuple[str, bool]], size: float = 14) -> None:
    for text, bold in parts:
        r = p.add_run(text)
        r.bold = bold
        r.font.size = Pt(size)


def _rule(container: Any, width_mm: float, cell_width_mm: float, after: float = 0) -> None:
    """A short centred horizontal rule (a bottom border on an empty paragraph)."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    side = max((cell_width_mm - width_mm) / 2, 0)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(after)
    fmt.line_spacing = Pt(3)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)


def _no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def _col_widths(table: Table, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


def _cell_margins(table: Table, side_mm: float) -> None:
    """Narrower left/right cell margins than Word's 1,9 mm, for tables of numbers."""
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(Mm(side_mm).twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def _shade(cell: Any, fill: str = HEADER_FILL) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cant_split(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _cell_text(
    cell: Any, text: str, *, size: float = 12, bold: bool = False, align: Any = None
) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_before = Pt(1)
    p.paragraph_format.space_after = Pt(1)
    p.paragraph_format.line_spacing = 1.0
    if align is not None:
        p.paragraph_format.alignment = align
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def _data_table(
    doc: DocumentType,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    *,
    numeric: Sequence[int] = (),
    size: float = 12,
) -> Table:
    """A bordered table; header shaded, bold, centred and repeated on each page; the
    `numeric` columns right-aligned."""
    table = doc.add_table(rows=len(rows) + 1, cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(table, 1.2)
    all_rows = list(table.rows)
    head = all_rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, header, strict=True):
        _shade(cell)
        _cell_text(cell, text, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.paragraphs[0].paragraph_format.keep_with_next = True  # header stays with row 1
    for row, values in zip(all_rows[1:], rows, strict=True):
        _cant_split(row)
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None
            if i == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER
            _cell_text(cell, text, size=size, align=align)
    _col_widths(table, widths_mm)
    return table


def _caption(doc: DocumentType, text: str, *, above: bool) -> None:
    _para(
        doc,
        text,
        size=13,
        bold=above,
        italic=not above,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=6 if above else 2,
        after=4 if above else 10,
        keep_next=above,
    )


def _picture(doc: DocumentType, png: bytes, width_mm: float = TEXT_WIDTH_MM) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(6)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def _page_numbers(doc: DocumentType) -> None:
    """Page number centred at the top, from the second page (titlePg)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    run.font.size = Pt(13)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _shown(count: int, limit: int) -> str:
    """A caption's note when a chart shows only the first and last units."""
    if count <= limit:
        return ""
    return f" ({limit // 2} đơn vị đứng đầu và {limit // 2} đơn vị cuối bảng)"


def _pts(value: Decimal | None) -> str:
    return "" if value is None else fmt_vn(value, 2)


def _signed(value: Decimal | int | None, places: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"+{value}" if value > 0 else str(value)
    text = fmt_vn(value, places)
    return f"+{text}" if value > 0 else text


# --- the document ------------------------------------------------------------------------------


def _new_document() -> DocumentType:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    _set_font(normal, 14)
    normal.paragraph_format.space_after = Pt(0)
    for name in ("Table Grid", "Header"):
        if name in [s.name for s in doc.styles]:
            _set_font(doc.styles[name])
    return doc


def _heading_block(doc: DocumentType, p: ReportParams, when: date) -> None:
    left_w, right_w = 68.0, 97.0
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    top, bottom = table.rows
    lc, rc = top.cells
    lc.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if p.authority:
        _cell_text(lc, p.authority.upper(), size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
        _para(lc, p.issuer.upper(), size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    else:
        _cell_text(lc, p.issuer.upper(), size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _rule(lc, 22, left_w)
    _cell_text(
        rc,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        size=12.5,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    _para(
        rc,
        "Độc lập - Tự do - Hạnh phúc",
        size=13,
        bold=True,
        underline=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    lb, rb = bottom.cells
    _cell_text(lb, f"Số: {p.number}", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(rb, vn_date_line(p.place, when), size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    rb.paragraphs[0].runs[0].italic = True
    for cell in (lb, rb):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    _col_widths(table, (left_w, right_w))


def _title(doc: DocumentType, p: ReportParams) -> None:
    _para(doc, "BÁO CÁO", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    _para(doc, p.title, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _rule(doc, 40, TEXT_WIDTH_MM, after=12)


def _heading(doc: DocumentType, text: str, level: int = 1) -> None:
    _para(
        doc,
        text,
        size=14,
        bold=True,
        before=6 if level == 1 else 3,
        after=6,
        indent=True,
        keep_next=True,
    )


def _groups(results: CycleResults) -> list[tuple[str, list[UnitRow]]]:
    return [(t, results.of_type(t)) for t in results.unit_types]


def _band_counts(rows: Sequence[UnitRow]) -> list[tuple[str, int]]:
    counts: dict[str, int] = defaultdict(int)
    labels: dict[str, str] = {}
    for r in rows:
        counts[r.band] += 1
        labels[r.band] = r.band_label or r.band
    return [(labels[b], counts[b]) for b in sorted(counts)]


def _average(values: Sequence[Decimal]) -> Decimal:
    return q4(sum(values, Decimal(0)) / len(values)) if values else Decimal(0)


def _summary_paragraph(doc: DocumentType, rows: Sequence[UnitRow], group: str) -> None:
    if not rows:
        return
    avg = _average([r.index for r in rows])
    best, worst = rows[0], rows[-1]
    bands = "; ".join(f"{label}: {n} đơn vị" for label, n in _band_counts(rows))
    text = (
        f"Có {len(rows)} {GROUP_NAMES.get(group, group).replace('các ', '').replace('UBND ', '')}"
        f" được xác định Chỉ số. Chỉ số bình quân đạt {fmt_vn(avg)}%; cao nhất là "
        f"{best.unit.name} ({fmt_vn(best.index)}%), thấp nhất là {worst.unit.name} "
        f"({fmt_vn(worst.index)}%). Xếp loại: {bands}."
    )
    _para(doc, text, indent=True)
    changed = [r for r in rows if r.change and r.change.index_delta is not None]
    if changed:
        up = sum(
            1 for r in changed if r.change and r.change.index_delta and r.change.index_delta > 0
        )
        down = sum(
            1 for r in changed if r.change and r.change.index_delta and r.change.index_delta < 0
        )
        label = changed[0].change.label if changed[0].change else ""
        _para(
            doc,
            f"So với {label}: {up} đơn vị tăng chỉ số, {down} đơn vị giảm chỉ số, "
            f"{len(changed) - up - down} đơn vị giữ nguyên.",
            indent=True,
        )


def _ranking_table(doc: DocumentType, rows: Sequence[UnitRow]) -> None:
    has_change = any(r.change and r.change.index_delta is not None for r in rows)
    header = ["Hạng", "Đơn vị", "Điểm đạt", "Điểm tối đa", "Chỉ số (%)", "Xếp loại"]
    widths = [15.0, 62.0, 20.0, 20.0, 20.0, 28.0]
    if has_change:
        header.append("Tăng/giảm chỉ số")
        widths = [15.0, 53.0, 18.0, 18.0, 18.0, 23.0, 20.0]
    body = []
    for r in rows:
        values = [
            str(r.rank),
            r.unit.name,
            _pts(r.points),
            _pts(r.max_points),
            _pts(r.index),
            r.band_label,
        ]
        if has_change:
            values.append(_signed(r.change.index_delta) if r.change else "")
        body.append(values)
    _data_table(doc, header, body, widths, numeric=(2, 3, 4, 6))


def _field_stats_table(
    doc: DocumentType, results: CycleResults, rows: Sequence[UnitRow]
) -> list[tuple[str, str, Decimal | None, Decimal | None, Decimal | None]]:
    stats = []
    body = []
    for i, f in enumerate(results.methodology.fields, 1):
        st = node_stats(rows, f.code)
        indices = [x for r in rows if (x := r.fields[i - 1].index) is not None]
        low = min(indices) if indices else None
        stats.append((f.code, f.name, st.average, st.best, low))
        body.append(
            [str(i), f.name, _pts(f.max_points), _pts(st.average), _pts(st.best), _pts(low)]
        )
    _data_table(
        doc,
        ["TT", "Lĩnh vực", "Điểm tối đa", "Chỉ số bình quân (%)", "Cao nhất (%)", "Thấp nhất (%)"],
        body,
        [11.0, 74.0, 20.0, 20.0, 20.0, 20.0],
        numeric=(2, 3, 4, 5),
    )
    return stats


def _components_table(doc: DocumentType, results: CycleResults, rows: Sequence[UnitRow]) -> None:
    fields = results.methodology.fields
    header = ["Hạng", "Đơn vị"] + [f"LV {f.code}" for f in fields] + ["Chỉ số"]
    n = len(fields)
    size = 10.5 if n <= 5 else 9.0
    rank_w, total_w = 13.0, 16.0
    col = max(12.5, min(20.0, (TEXT_WIDTH_MM - rank_w - total_w - 45.0) / max(n, 1)))
    name_w = TEXT_WIDTH_MM - rank_w - total_w - col * n
    widths = [rank_w, name_w] + [col] * n + [total_w]
    body = [
        [str(r.rank), r.unit.name]
        + [_pts(f.index) if f.index is not None else "-" for f in r.fields]
        + [_pts(r.index)]
        for r in rows
    ]
    _data_table(doc, header, body, widths, numeric=tuple(range(2, n + 3)), size=size)
    legend = "; ".join(f"LV {f.code}: {f.name}" for f in fields)
    _para(doc, f"Ghi chú: {legend}.", size=11, italic=True, before=2, after=8)


def _ledger_section(
    doc: DocumentType, ledger: Sequence[LedgerEntry], table_no: int
) -> list[tuple[str, str, int, Decimal, Decimal, tuple[str, ...]]]:
    if not ledger:
        _para(doc, "Không có đơn vị nào bị trừ điểm.", indent=True)
        return []
    total = sum((e.lost for e in ledger), Decimal(0))
    recoverable = sum((e.recoverable_points for e in ledger), Decimal(0))
    by_kind: dict[str, Decimal] = defaultdict(Decimal)
    for e in ledger:
        by_kind[e.kind] += e.lost
    kinds = "; ".join(
        f"{str(KIND_LABELS[k]).lower()}: {fmt_vn(v)} điểm"
        for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])
    )
    share = fmt_vn(q4(recoverable / total * 100)) if total else "0"
    _para(
        doc,
        f"Tổng số điểm bị trừ của các đơn vị là {fmt_vn(total)} điểm, trong đó "
        f"{fmt_vn(recoverable)} điểm ({share}%) có thể khắc phục bằng việc hoàn thiện tài liệu "
        f"kiểm chứng và nâng cao kết quả thực hiện nhiệm vụ. Theo nguồn: {kinds}.",
        indent=True,
    )
    per_leaf: dict[str, list[LedgerEntry]] = defaultdict(list)
    for e in ledger:
        per_leaf[e.code].append(e)
    top = sorted(per_leaf.items(), key=lambda kv: -sum(e.lost for e in kv[1]))[:10]
    rows = []
    summary = []
    for code, entries in top:
        lost = sum((e.lost for e in entries), Decimal(0))
        rec = sum((e.recoverable_points for e in entries), Decimal(0))
        agencies = tuple(sorted({a for e in entries for a in e.lead_agencies}))
        summary.append((code, entries[0].name, len(entries), lost, rec, agencies))
        rows.append(
            [code, entries[0].name, str(len(entries)), _pts(lost), _pts(rec), "; ".join(agencies)]
        )
    _caption(doc, f"Bảng {table_no}. Các tiêu chí thành phần bị trừ nhiều điểm nhất", above=True)
    _data_table(
        doc,
        [
            "Mã",
            "Tiêu chí thành phần",
            "Số đơn vị bị trừ",
            "Tổng điểm bị trừ",
            "Khắc phục được",
            "Cơ quan chủ trì",
        ],
        rows,
        [14.0, 64.0, 17.0, 19.0, 19.0, 32.0],
        numeric=(2, 3, 4),
        size=11,
    )
    _para(doc, "", after=4)
    per_unit: dict[str, Decimal] = defaultdict(Decimal)
    names = {}
    for e in ledger:
        per_unit[e.unit.code] += e.recoverable_points
        names[e.unit.code] = e.unit.name
    most = [(c, v) for c, v in sorted(per_unit.items(), key=lambda kv: -kv[1]) if v > 0][:5]
    if most:
        listed = ", ".join(f"{names[c]} ({fmt_vn(v)} điểm)" for c, v in most)
        _para(doc, f"Các đơn vị có nhiều điểm có thể khắc phục nhất: {listed}.", indent=True)
    return summary


def _proposals(
    results: CycleResults,
    ledger: Sequence[LedgerEntry],
    top_items: Sequence[tuple[str, str, int, Decimal, Decimal, tuple[str, ...]]],
    weakest_fields: Sequence[tuple[str, str, Decimal | None]],
) -> list[str]:
    out = []
    low_units = [
        r for r in results.rows if r.band == (results.rows[-1].band if results.rows else "")
    ]
    if low_units:
        names = ", ".join(r.unit.name for r in low_units[:6])
        more = f" và {len(low_units) - 6} đơn vị khác" if len(low_units) > 6 else ""
        out.append(
            f"Các đơn vị xếp loại {low_units[0].band_label or low_units[0].band} ({names}{more}) "
            "rà soát những tiêu chí bị trừ điểm, xây dựng kế hoạch khắc phục cụ thể và báo cáo "
            "kết quả thực hiện về Sở Nội vụ."
        )
    evidence = [e for e in ledger if e.kind == EVIDENCE]
    if evidence:
        pts = sum((e.lost for e in evidence), Decimal(0))
        out.append(
            f"Có {fmt_vn(pts)} điểm bị trừ do tài liệu kiểm chứng thiếu, không hợp lệ hoặc "
            f"ngoài thời gian đánh giá ({len(evidence)} lượt tiêu chí thành phần). Đề nghị các "
            "đơn vị chú trọng việc ban hành văn bản đúng thời hạn và lưu trữ, cập nhật đầy đủ "
            "tài liệu kiểm chứng ngay trong năm đánh giá."
        )
    if weakest_fields:
        names = "; ".join(
            (f"{block.lower()}: " if block else "") + f"“{name}” (bình quân {fmt_vn(avg)}%)"
            for block, name, avg in weakest_fields
            if avg is not None
        )
        out.append(f"Tập trung cải thiện lĩnh vực có chỉ số bình quân thấp nhất ({names}).")
    agencies: dict[str, Decimal] = defaultdict(Decimal)
    for e in ledger:
        for a in e.lead_agencies:
            agencies[a] += e.lost
    if agencies:
        top = sorted(agencies.items(), key=lambda kv: -kv[1])[:4]
        listed = "; ".join(f"{a} ({fmt_vn(v)} điểm)" for a, v in top)
        out.append(
            "Các cơ quan chủ trì theo dõi, hướng dẫn các tiêu chí được giao có nhiều điểm bị "
            f"trừ: {listed}."
        )
    elif top_items:
        codes = ", ".join(c for c, *_rest in top_items[:5])
        out.append(
            f"Các cơ quan được giao chủ trì các tiêu chí thành phần {codes} hướng dẫn, "
            "đôn đốc các đơn vị thực hiện."
        )
    return out


def _closing_block(doc: DocumentType, p: ReportParams) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    row = table.rows[0]
    _cant_split(row)
    left, right = row.cells
    first = left.paragraphs[0]
    run = first.add_run("Nơi nhận:")
    run.bold, run.italic = True, True
    run.font.size = Pt(12)
    first.paragraph_format.space_before = Pt(12)
    for line in p.recipients:
        _para(left, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    _cell_text(
        right, p.signer_authority.upper(), size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    right.paragraphs[0].paragraph_format.space_before = Pt(12)
    _para(
        right, p.signer_title.upper(), size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
    )
    for _i in range(4):
        _para(right, "", size=14, after=0)
    _para(right, p.signer_name, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    _col_widths(table, (80.0, 85.0))


def report_docx(
    results: CycleResults, ledger: Sequence[LedgerEntry], params: ReportParams | None = None
) -> bytes:
    """The Word report of a cycle's results (see the module docstring)."""
    p = params or ReportParams()
    when = p.date or timezone.localdate()
    doc = _new_document()
    _page_numbers(doc)
    _heading_block(doc, p, when)
    _title(doc, p)
    m = results.methodology
    groups = _groups(results)
    year = results.year or when.year
    intro = p.intro or (
        f"Căn cứ {m.name}"
        + (f" ({m.decision})" if m.decision else "")
        + ", trên cơ sở kết quả tự đánh giá của các cơ quan, đơn vị, kết quả thẩm định của Hội "
        f"đồng thẩm định và kết quả điều tra xã hội học, {p.issuer_name} báo cáo kết quả xác "
        f"định Chỉ số cải cách hành chính năm {year} như sau:"
    )
    _para(doc, intro, indent=True)

    fig = table_no = 0
    _heading(doc, "I. KẾT QUẢ CHUNG")
    for gi, (group, rows) in enumerate(groups, 1):
        if len(groups) > 1:
            _heading(doc, f"{gi}. {BLOCK_NAMES.get(group, unit_type_label(group))}", 2)
        _summary_paragraph(doc, rows, group)
        table_no += 1
        _caption(
            doc, f"Bảng {table_no}. Kết quả xếp hạng {GROUP_NAMES.get(group, group)}", above=True
        )
        _ranking_table(doc, rows)
        if p.charts and rows:
            fig += 1
            _picture(doc, charts.ranking_chart(rows), 150)
            _caption(
                doc,
                f"Hình {fig}. Chỉ số CCHC năm {year} của {GROUP_NAMES.get(group, group)}"
                + _shown(len(rows), charts.MAX_BARS),
                above=False,
            )

    _heading(doc, "II. KẾT QUẢ THEO LĨNH VỰC")
    weakest: list[tuple[str, str, Decimal | None]] = []
    for gi, (group, rows) in enumerate(groups, 1):
        if len(groups) > 1:
            _heading(doc, f"{gi}. {BLOCK_NAMES.get(group, unit_type_label(group))}", 2)
        table_no += 1
        _caption(
            doc,
            f"Bảng {table_no}. Chỉ số thành phần bình quân, cao nhất và thấp nhất theo lĩnh vực",
            above=True,
        )
        stats = _field_stats_table(doc, results, rows)
        ranked = sorted((s for s in stats if s[2] is not None), key=lambda s: s[2] or 0)
        if ranked:
            hi, lo = ranked[-1], ranked[0]
            _para(
                doc,
                f"Lĩnh vực có chỉ số bình quân cao nhất là “{hi[1]}” ({_pts(hi[2])}%); "
                f"thấp nhất là “{lo[1]}” ({_pts(lo[2])}%).",
                indent=True,
                before=6,
            )
            block = BLOCK_NAMES.get(group, unit_type_label(group)) if len(groups) > 1 else ""
            weakest.append((block, lo[1], lo[2]))
        if p.charts and rows:
            fig += 1
            _picture(
                doc,
                charts.field_profile_chart(
                    [(s[0], s[1]) for s in stats],
                    [
                        ("Bình quân", [s[2] for s in stats]),
                        ("Cao nhất", [s[3] for s in stats]),
                        ("Thấp nhất", [s[4] for s in stats]),
                    ],
                ),
                150,
            )
            _caption(
                doc,
                f"Hình {fig}. Chỉ số thành phần theo lĩnh vực: bình quân, cao nhất và thấp nhất",
                above=False,
            )
        table_no += 1
        _caption(doc, f"Bảng {table_no}. Chỉ số thành phần (%) của từng đơn vị", above=True)
        _components_table(doc, results, rows)
        if p.charts and rows:
            fig += 1
            _picture(doc, charts.heatmap_chart(rows), 150)
            _caption(
                doc,
                f"Hình {fig}. Bản đồ nhiệt chỉ số thành phần theo đơn vị và lĩnh vực"
                + _shown(len(rows), charts.MAX_HEAT_ROWS),
                above=False,
            )

    _heading(doc, "III. NHỮNG ĐIỂM BỊ TRỪ CHỦ YẾU")
    top_items = _ledger_section(doc, ledger, table_no + 1)

    _heading(doc, "IV. ĐỀ XUẤT")
    proposals = list(p.proposals) or _proposals(results, ledger, top_items, weakest)
    for i, text in enumerate(proposals, 1):
        _para(doc, f"{i}. {text}", indent=True)
    closing = p.closing or (
        f"Trên đây là báo cáo kết quả xác định Chỉ số cải cách hành chính năm {year} của "
        f"{p.issuer_name}"
        + (f", kính trình {p.authority_name} xem xét, chỉ đạo./." if p.authority_name else "./.")
    )
    _para(doc, closing, indent=True, keep_next=True)
    _closing_block(doc, p)
    doc.core_properties.title = f"Báo cáo {p.title}"
    doc.core_properties.author = p.issuer
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
