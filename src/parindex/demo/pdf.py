"""A minimal, valid one-page PDF for demo evidence files (no dependency).

The page uses the standard Helvetica font, which cannot draw Vietnamese letters, so the page
text is folded to ASCII; the document title in the PDF metadata keeps the Vietnamese text
(UTF-16).
"""

from __future__ import annotations

import unicodedata


def ascii_fold(text: str) -> str:
    """'Kế hoạch cải cách' -> 'Ke hoach cai cach' (đ -> d; other non-ASCII dropped)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 128 and unicodedata.category(ch) != "Mn")


def _pdf_string(text: str) -> str:
    escaped = ascii_fold(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def _utf16_hex(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _wrap(text: str, width: int = 88) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines


def make_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF: the title in bold, then `lines` (each wrapped to the page)."""
    ops = ["BT", "/F2 14 Tf", "56 780 Td", "16 TL"]
    for part in _wrap(title, 70):
        ops.append(f"{_pdf_string(part)} Tj T*")
    ops += ["/F1 11 Tf", "14 TL", "T*"]
    for line in lines:
        for part in _wrap(line) or [""]:
            ops.append(f"{_pdf_string(part)} Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        f"<< /Title {_utf16_hex(title)} /Producer (parindex demo) >>".encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        len(objects),
        xref,
    )
    return bytes(out)
