"""A document's text, within fixed bounds, from a PDF text layer, a Word .docx or plain text.

Every bad file (corrupt, password-protected, an old .doc, an image, a zip bomb) gives a
`DocumentText` with `readable=False` and a message in `problems`; no exception escapes.
Bounds: at most MAX_PAGES pages are read for text (the real page count is still reported),
at most MAX_CHARS characters kept, and a .docx whose XML parts unpack to more than
MAX_XML_BYTES is refused before parsing. There is no OCR yet: a PDF whose pages carry no text
is reported with `text_layer=False`.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

MAX_PAGES = 30
MAX_CHARS = 200_000
MAX_XML_BYTES = 40 * 1024 * 1024
# fewer visible characters than this per page read: the PDF has no usable text layer
MIN_CHARS_PER_PAGE = 20

_DOCX_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class DocumentText:
    kind: str  # "pdf", "docx", "text", "image", "unknown"
    text: str = ""
    pages: int | None = None
    pages_read: int = 0
    text_layer: bool = False
    readable: bool = True
    truncated: bool = False
    problems: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """NFC, no-break and odd spaces to plain spaces, trailing spaces dropped per line."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u3000\t]", " ", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _bounded(doc: DocumentText, text: str) -> DocumentText:
    text = normalise(text)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        doc.truncated = True
        doc.problems.append(f"Chỉ đọc {MAX_CHARS} ký tự đầu của tài liệu.")
    doc.text = text
    return doc


def _sniff(data: bytes, name: str) -> str:
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8")):
        return "image"
    if name.lower().endswith((".txt", ".csv", ".md")) or _looks_like_text(data):
        return "text"
    return "unknown"


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    if not sample or b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        _decode(sample)
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def read_document(data: bytes, name: str = "") -> DocumentText:
    """The text of a document; never raises."""
    kind = _sniff(data, name)
    try:
        if kind == "pdf":
            return _read_pdf(data)
        if kind == "zip":
            return _read_docx(data)
        if kind == "text":
            return _read_text(data)
    except Exception as exc:  # noqa: BLE001 - pypdf, python-docx, lxml, zlib on a hostile file
        logging.getLogger(__name__).info("cannot read %s: %r", name, exc)
        return DocumentText(
            kind=kind if kind != "zip" else "docx",
            readable=False,
            problems=[f"Không đọc được tệp ({type(exc).__name__}): tệp có thể bị hỏng."],
        )
    if kind == "ole":
        return DocumentText(
            kind="doc",
            readable=False,
            problems=["Tệp Word cũ (.doc) chưa đọc được: hãy lưu lại dưới dạng .docx hoặc PDF."],
        )
    if kind == "image":
        return DocumentText(
            kind="image",
            readable=True,
            text_layer=False,
            pages=1,
            problems=["Tệp ảnh không có lớp chữ; chưa có nhận dạng chữ (OCR)."],
        )
    return DocumentText(
        kind="unknown",
        readable=False,
        problems=["Không nhận ra định dạng tệp (chỉ đọc PDF, Word .docx và văn bản thuần)."],
    )


def _read_text(data: bytes) -> DocumentText:
    doc = DocumentText(kind="text", pages=1, pages_read=1, text_layer=True)
    try:
        text = _decode(data[: MAX_CHARS * 4])
    except UnicodeDecodeError:
        text = data[: MAX_CHARS * 4].decode("utf-8", errors="replace")
        doc.problems.append("Tệp văn bản có ký tự không hợp lệ (không phải UTF-8).")
    return _bounded(doc, text)


def _read_pdf(data: bytes) -> DocumentText:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    doc = DocumentText(kind="pdf")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - e.g. AES without the cryptography package
                opened = False
            if not opened:
                doc.readable = False
                doc.problems.append("Tệp PDF có mật khẩu: không đọc được nội dung.")
                return doc
        total = len(reader.pages)
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError) as exc:
        doc.readable = False
        doc.problems.append(f"Tệp PDF bị hỏng, không đọc được ({type(exc).__name__}).")
        return doc
    doc.pages = total
    parts: list[str] = []
    size = 0
    failed = 0
    for index in range(min(total, MAX_PAGES)):
        try:
            page_text = reader.pages[index].extract_text() or ""
        except Exception:  # noqa: BLE001 - one broken page must not lose the others
            failed += 1
            page_text = ""
        parts.append(page_text)
        doc.pages_read += 1
        size += len(page_text)
        if size > MAX_CHARS:
            break
    if failed:
        doc.problems.append(f"{failed} trang không đọc được chữ.")
    if doc.pages_read < total:
        doc.truncated = True
        doc.problems.append(f"Chỉ đọc chữ {doc.pages_read} trang đầu trên tổng số {total} trang.")
    text = "\n".join(parts)
    visible = len(re.sub(r"\s", "", text))
    doc.text_layer = doc.pages_read > 0 and visible >= MIN_CHARS_PER_PAGE * doc.pages_read / 2
    if not doc.text_layer:
        doc.problems.append(
            "Tệp PDF không có lớp chữ (bản quét?): chưa có nhận dạng chữ (OCR) nên chưa đọc được."
        )
    return _bounded(doc, text)


def _read_docx(data: bytes) -> DocumentText:
    import docx

    doc = DocumentText(kind="docx", text_layer=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        if "word/document.xml" not in names:
            return DocumentText(
                kind="zip",
                readable=False,
                problems=["Tệp nén không phải tài liệu Word .docx."],
            )
        unpacked = sum(i.file_size for i in archive.infolist() if i.filename.endswith(".xml"))
        if unpacked > MAX_XML_BYTES:
            doc.readable = False
            doc.problems.append("Tài liệu Word quá lớn khi giải nén: không đọc.")
            return doc
        app = archive.read("docProps/app.xml") if "docProps/app.xml" in names else b""
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    lines: list[str] = []
    _block_lines(body, lines)
    for section in document.sections:
        for part in (section.header, section.footer):
            if part.is_linked_to_previous:
                continue
            _block_lines(part._element, lines)
    breaks = sum(1 for br in body.iter(f"{_DOCX_NS}br") if br.get(f"{_DOCX_NS}type") == "page")
    rendered = sum(1 for _ in body.iter(f"{_DOCX_NS}lastRenderedPageBreak"))
    stated = re.search(rb"<Pages>(\d+)</Pages>", app)
    doc.pages = max(1 + breaks, 1 + rendered, int(stated.group(1)) if stated else 1)
    doc.pages_read = doc.pages
    return _bounded(doc, "\n".join(lines))


def _block_lines(element: Any, lines: list[str]) -> None:
    """Paragraphs and tables in document order; a table cell by cell, row by row."""
    for child in element.iterchildren():
        tag = child.tag
        if tag == f"{_DOCX_NS}p":
            lines.append(_paragraph_text(child))
        elif tag == f"{_DOCX_NS}tbl":
            for row in child.iterchildren(f"{_DOCX_NS}tr"):
                for cell in row.iterchildren(f"{_DOCX_NS}tc"):
                    _block_lines(cell, lines)
        elif tag == f"{_DOCX_NS}sdt":
            content = child.find(f"{_DOCX_NS}sdtContent")
            if content is not None:
                _block_lines(content, lines)


def _paragraph_text(p: Any) -> str:
    out: list[str] = []
    for node in p.iter():
        tag = node.tag
        if tag == f"{_DOCX_NS}t" and node.text:
            out.append(node.text)
        elif tag == f"{_DOCX_NS}tab":
            out.append(" ")
        elif tag in (f"{_DOCX_NS}br", f"{_DOCX_NS}cr"):
            out.append("\n")
    return "".join(out)
