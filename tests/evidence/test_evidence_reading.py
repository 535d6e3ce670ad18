"""Reading evidence files within bounds; bad files give a clear result, never an exception."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import docx
from pypdf import PdfReader, PdfWriter

from parindex.cli import main
from parindex.evidence import inspect_bytes
from parindex.evidence.reading import MAX_CHARS, MAX_PAGES, read_document
from parindex.evidence.samples import Sample, make_docx, make_pdf, text_pdf


def _sample() -> Sample:
    return Sample(
        issuer="SỞ NỘI VỤ",
        issuer_parent="UBND TỈNH LÀO CAI",
        number="12/BC-SNV",
        place="Lào Cai",
        issued=date(2026, 1, 15),
        doc_type="Báo cáo",
        title="Kết quả cải cách hành chính năm 2025",
        signer="Phạm Thị Lan",
    )


def test_password_protected_pdf_cannot_be_read():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(_sample()))))
    writer.encrypt(user_password="bí-mật", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    doc = read_document(out.getvalue(), "x.pdf")
    assert doc.readable is False and doc.text == ""
    assert any("mật khẩu" in p for p in doc.problems)


def test_corrupt_and_truncated_pdfs_give_a_message():
    for data in (b"%PDF-1.4\ngarbage", make_pdf(_sample())[:300]):
        facts = inspect_bytes(data, "x.pdf")
        assert facts["readable"] is False
        assert facts["problems"] and facts["number"] is None


def test_long_pdf_is_read_only_up_to_the_bound_but_counts_every_page():
    pages = [[(56, 800, f"Trang {n} của bản kế hoạch cải cách hành chính")] for n in range(500)]
    doc = read_document(text_pdf(pages), "long.pdf")
    assert doc.pages == 500
    assert doc.pages_read == MAX_PAGES and doc.truncated
    assert f"Trang {MAX_PAGES - 1} " in doc.text and f"Trang {MAX_PAGES} " not in doc.text
    assert any("500" in p for p in doc.problems)


def test_pdf_without_text_is_reported_as_no_text_layer():
    facts = inspect_bytes(text_pdf([[], []]), "scan.pdf")
    assert facts["pages"] == 2 and facts["text_layer"] is False and facts["ocr"] is False
    assert any("OCR" in p for p in facts["problems"])


def test_docx_reads_tables_and_footer_and_counts_page_breaks():
    document = docx.Document(io.BytesIO(make_docx(_sample())))
    document.add_page_break()
    document.add_paragraph("Phụ lục")
    out = io.BytesIO()
    document.save(out)
    doc = read_document(out.getvalue(), "a.docx")
    assert doc.kind == "docx" and doc.pages == 2 and doc.text_layer
    assert "Số: 12/BC-SNV" in doc.text  # inside the header table
    assert "Trang 1" in doc.text  # the footer
    assert doc.text.index("SỞ NỘI VỤ") < doc.text.index("BÁO CÁO") < doc.text.index("Phụ lục")


def test_other_files_are_named_not_raised():
    assert read_document(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.doc").readable is False
    image = read_document(b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "a.png")
    assert image.text_layer is False and image.readable
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    assert read_document(buffer.getvalue(), "a.zip").readable is False
    assert read_document(b"PK\x03\x04broken", "b.docx").readable is False
    assert read_document(bytes(range(256)) * 4, "x.bin").readable is False


def test_plain_text_is_bounded():
    doc = read_document(("Số: 1/KH-SNV " * 40000).encode(), "a.txt")
    assert doc.kind == "text" and len(doc.text) == MAX_CHARS and doc.truncated


def test_cli_prints_the_facts_as_json(tmp_path, capsys):
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(make_pdf(_sample()))
    assert main(["evidence", "inspect", str(path)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["number"] == "12/BC-SNV" and facts["date"] == "2026-01-15"
    assert facts["doc_type"] == "Báo cáo" and facts["signer"] == "Phạm Thị Lan"
    keys = {"issuer", "number", "date", "place", "doc_type", "title", "signer", "pages", "ocr"}
    assert keys | {"text_layer", "problems"} <= set(facts)


def test_cli_unreadable_file_exits_1_with_problems(tmp_path, capsys):
    path = tmp_path / "hong.pdf"
    path.write_bytes(b"%PDF-1.4\ngarbage")
    assert main(["evidence", "inspect", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["problems"]
    assert main(["evidence", "inspect", str(tmp_path / "khong-co.pdf")]) == 1
