"""Generated administrative documents in the Decree 30/2020 layout, with known facts.

For the tests and the bench (issue 13: "a labelled test set built by the tests themselves"):
`make_docx` writes a Word file (two-column header table, type and title centred, body,
signature table); `make_pdf` writes a PDF with a Unicode text layer in the same layout, both
header columns on the same baseline as LibreOffice would print them. No LibreOffice needed.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from datetime import date


@dataclass
class Sample:
    issuer: str
    number: str
    place: str
    issued: date
    doc_type: str
    title: str
    signer: str
    issuer_parent: str | None = None
    position: tuple[str, ...] = ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    body: list[str] = field(
        default_factory=lambda: [
            "Căn cứ Quyết định số 15/2025/QĐ-UBND ngày 10 tháng 3 năm 2025 của Ủy ban nhân dân.",
            "I. MỤC ĐÍCH, YÊU CẦU",
            "1. Nâng cao chất lượng công tác cải cách hành chính trong năm.",
            "2. Bảo đảm đúng tiến độ, hiệu quả, có tài liệu kiểm chứng đầy đủ.",
        ]
    )
    padded_date: bool = True  # "ngày 05 tháng 01" (Decree 30) or "ngày 5 tháng 1"
    # typed less tidily: "Số :  12 / KH-SNV", an en dash in the motto, the title over two
    # lines, "(Ký, ghi rõ họ tên, đóng dấu)" in the signature block
    rough: bool = False

    @property
    def date_line(self) -> str:
        d, m = self.issued.day, self.issued.month
        day = f"{d:02d}" if self.padded_date and d < 10 else str(d)
        month = f"{m:02d}" if self.padded_date and m < 3 else str(m)
        return f"{self.place}, ngày {day} tháng {month} năm {self.issued.year}"

    @property
    def is_letter(self) -> bool:
        return self.doc_type == "Công văn"

    def header_rows(self) -> tuple[list[str], list[str]]:
        left = [*([self.issuer_parent] if self.issuer_parent else []), self.issuer, "________"]
        number = self.number.replace("/", " / ", 1) if self.rough else self.number
        left.append(f"Số :  {number}" if self.rough else f"Số: {number}")
        if self.is_letter:
            left.append(self.title)
        right = [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập – Tự do – Hạnh phúc" if self.rough else "Độc lập - Tự do - Hạnh phúc",
            "________________________",
            self.date_line,
        ]
        return left, right

    def middle(self) -> list[str]:
        if self.is_letter:
            return ["Kính gửi: Các cơ quan, đơn vị trực thuộc."]
        title = _wrap(self.title, 30) if self.rough else [self.title]
        return [self.doc_type.upper(), *title, "__________"]

    def closing(self) -> tuple[list[str], list[str]]:
        left = ["Nơi nhận:", "- Như trên;", "- UBND tỉnh (b/c);", "- Lưu: VT, CCHC."]
        signed = "(Ký, ghi rõ họ tên, đóng dấu)" if self.rough else "(Đã ký)"
        right = [*self.position, signed, "", self.signer]
        return left, right


def make_docx(sample: Sample) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    left, right = sample.header_rows()
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in sample.middle():
        paragraph = document.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = line.isupper()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in sample.body:
        document.add_paragraph(line)
    left, right = sample.closing()
    table = document.add_table(rows=1, cols=2)
    for cell, lines in zip(table.rows[0].cells, (left, right), strict=True):
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    document.sections[0].footer.paragraphs[0].text = "Trang 1"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pdf(sample: Sample) -> bytes:
    """One A4 page; each row is (x, y, text) drawn with a Unicode (Identity-H) font."""
    rows: list[tuple[int, int, str]] = []
    y = 800
    left, right = sample.header_rows()
    left = [part for line in left for part in _wrap(line, 40)]  # the left cell is narrow
    for i in range(max(len(left), len(right))):
        if i < len(left):
            rows.append((40, y, left[i]))
        if i < len(right):
            rows.append((300, y, right[i]))
        y -= 16
    y -= 10
    for line in sample.middle():
        rows.append((150, y, line))
        y -= 16
    for line in sample.body:
        rows.append((56, y, line))
        y -= 16
    y -= 10
    left, right = sample.closing()
    for i in range(max(len(left), len(right))):
        if i < len(left):
            rows.append((40, y, left[i]))
        if i < len(right) and right[i]:
            rows.append((330, y, right[i]))
        y -= 16
    return text_pdf([rows])


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def text_pdf(pages: list[list[tuple[int, int, str]]]) -> bytes:
    """A PDF whose pages carry the given text at (x, y), 11 pt, extractable as Unicode."""
    chars = sorted({ch for page in pages for _x, _y, text in page for ch in text})
    cmap = "\n".join(f"<{ord(c):04X}> <{ord(c):04X}>" for c in chars if ord(c) < 0x10000)
    to_unicode = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{cmap}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode("ascii")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled below
        b"<< /Type /Font /Subtype /Type0 /BaseFont /DejaVuSans /Encoding /Identity-H "
        b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /DejaVuSans /DW 550 "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor << /Type /FontDescriptor /FontName /DejaVuSans /Flags 32 "
        b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 "
        b"/CapHeight 700 /StemV 80 >> >>",
        _stream(to_unicode),
    ]
    kids = []
    for page in pages:
        ops = ["BT", "/F1 11 Tf"]
        for x, y, text in page:
            hexed = "".join(f"{ord(c):04X}" for c in text if ord(c) < 0x10000)
            ops.append(f"1 0 0 1 {x} {y} Tm <{hexed}> Tj")
        ops.append("ET")
        objects.append(_stream("\n".join(ops).encode("ascii")))
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content
        )
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(data: bytes) -> bytes:
    packed = zlib.compress(data)
    return (
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + (b"\nendstream")
    )
