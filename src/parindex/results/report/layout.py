"""python-docx helpers in the layout of Decree 30/2020/NĐ-CP: the A4 document, the heading block
(quốc hiệu, tiêu ngữ, số/ký hiệu, place and date), the recipients and signature blocks, fonts,
paragraphs, short rules, borderless and data tables, captions, pictures, page numbers,
number formats. Used by the results report and the improvement plan."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

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

from parindex.core import fmt_vn

from .params import ReportParams, vn_date_line

FONT = "Times New Roman"
TEXT_WIDTH_MM = 165  # A4 210 mm - left 30 - right 15
HEADER_FILL = "D9E2F3"


def set_font(run_or_style: Any, size: float | None = None) -> None:
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


def para(
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


def runs(p: Paragraph, parts: Sequence[tuple[str, bool]], size: float = 14) -> None:
    for text, bold in parts:
        r = p.add_run(text)
        r.bold = bold
        r.font.size = Pt(size)


def rule(container: Any, width_mm: float, cell_width_mm: float, after: float = 0) -> None:
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


def no_borders(table: Table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)


def col_widths(table: Table, widths_mm: Sequence[float]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


def cell_margins(table: Table, side_mm: float) -> None:
    """Narrower left/right cell margins than Word's 1,9 mm, for tables of numbers."""
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(Mm(side_mm).twips)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def shade(cell: Any, fill: str = HEADER_FILL) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def cant_split(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def cell_text(
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


def data_table(
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
    cell_margins(table, 1.2)
    all_rows = list(table.rows)
    head = all_rows[0]
    repeat_header(head)
    for cell, text in zip(head.cells, header, strict=True):
        shade(cell)
        cell_text(cell, text, size=size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.paragraphs[0].paragraph_format.keep_with_next = True  # header stays with row 1
    for row, values in zip(all_rows[1:], rows, strict=True):
        cant_split(row)
        for i, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in numeric else None
            if i == 0:
                align = WD_ALIGN_PARAGRAPH.CENTER
            cell_text(cell, text, size=size, align=align)
    col_widths(table, widths_mm)
    return table


def caption(doc: DocumentType, text: str, *, above: bool) -> None:
    para(
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


def picture(doc: DocumentType, png: bytes, width_mm: float = TEXT_WIDTH_MM) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.space_before = Pt(6)
    p.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def page_numbers(doc: DocumentType) -> None:
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


def shown(count: int, limit: int) -> str:
    """A caption's note when a chart shows only the first and last units."""
    if count <= limit:
        return ""
    return f" ({limit // 2} đơn vị đứng đầu và {limit // 2} đơn vị cuối bảng)"


def fmt_points(value: Decimal | None) -> str:
    return "" if value is None else fmt_vn(value, 2)


def fmt_signed(value: Decimal | int | None, places: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"+{value}" if value > 0 else str(value)
    text = fmt_vn(value, places)
    return f"+{text}" if value > 0 else text


def new_document() -> DocumentType:
    """An A4 document with the margins and fonts of Decree 30/2020/NĐ-CP."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    set_font(normal, 14)
    normal.paragraph_format.space_after = Pt(0)
    for name in ("Table Grid", "Header"):
        if name in [s.name for s in doc.styles]:
            set_font(doc.styles[name])
    return doc


def heading_block(doc: DocumentType, p: ReportParams, when: date) -> None:
    """The heading block: issuing authority and agency with a short rule, "Số: …" | the
    national title, the motto and "place, ngày … tháng … năm …" in italics."""
    left_w, right_w = 68.0, 97.0
    table = doc.add_table(rows=2, cols=2)
    no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    top, bottom = table.rows
    lc, rc = top.cells
    lc.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if p.authority:
        cell_text(lc, p.authority.upper(), size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
        para(lc, p.issuer.upper(), size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    else:
        cell_text(lc, p.issuer.upper(), size=13, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    rule(lc, 22, left_w)
    cell_text(
        rc,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        size=12.5,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    para(
        rc,
        "Độc lập - Tự do - Hạnh phúc",
        size=13,
        bold=True,
        underline=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    lb, rb = bottom.cells
    cell_text(lb, f"Số: {p.number}", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    cell_text(rb, vn_date_line(p.place, when), size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    rb.paragraphs[0].runs[0].italic = True
    for cell in (lb, rb):
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)
    col_widths(table, (left_w, right_w))


def closing_block(doc: DocumentType, p: ReportParams) -> None:
    """The recipients (bottom left) and the signature block (bottom right); a line break in
    `signer_authority` ("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH") stays a line break."""
    table = doc.add_table(rows=1, cols=2)
    no_borders(table)
    row = table.rows[0]
    cant_split(row)
    left, right = row.cells
    first = left.paragraphs[0]
    run = first.add_run("Nơi nhận:")
    run.bold, run.italic = True, True
    run.font.size = Pt(12)
    first.paragraph_format.space_before = Pt(12)
    for line in p.recipients:
        para(left, f"- {line}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT, after=0)
    cell_text(
        right, p.signer_authority.upper(), size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
    )
    right.paragraphs[0].paragraph_format.space_before = Pt(12)
    para(
        right, p.signer_title.upper(), size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0
    )
    for _i in range(4):
        para(right, "", size=14, after=0)
    para(right, p.signer_name, size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    col_widths(table, (80.0, 85.0))
