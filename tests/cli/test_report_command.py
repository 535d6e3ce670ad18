"""`parindex report self-assessment`: the Word self-assessment report and the evidence zip of
a unit on the command line, through the same services as the web downloads."""

from __future__ import annotations

import io
import zipfile

import pytest
from cast import FILL
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from parindex.assessment import services
from parindex.cli import main

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def world(cast):
    # Unit A (STP) enters the cast's FILL: 1.1.1 đúng hạn (1), 1.1.2 100 % (1), 1.2.1 có (1),
    # 1.2.2 0,5, 2.1.1 75 % (1,5): 5 of 8.
    cycle = cast.cycle(units=("a", "b"))
    p = cast.part(cycle, "a")
    services.evidence_upload(
        participation=p,
        file=SimpleUploadedFile("kh.pdf", PDF, "application/pdf"),
        user=cast.leader,
        doc_number="12/KH-STP",
        link_code="1.1.1",
    )
    cast.fill(p, FILL)
    return cast, cycle


def test_writes_the_report_and_the_bundle(world, tmp_path, capsys):
    cast, cycle = world
    out, bundle = tmp_path / "bao-cao.docx", tmp_path / "tlkc.zip"
    args = ["report", "self-assessment", "--cycle", str(cycle.pk), "--unit", "STP"]
    assert main([*args, "--out", str(out), "--evidence-zip", str(bundle)]) == 0
    said = capsys.readouterr().out
    assert f"Đã ghi {out}" in said and "Sở Tư pháp" in said
    doc = Document(io.BytesIO(out.read_bytes()))
    summary = doc.tables[1]
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in summary.rows[1:]}
    leaves = ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.2.1"]
    assert all(code in rows for code in leaves)  # the unit's items
    assert "2.1.2" not in rows  # a commune's item
    assert rows["1.1.1"][1:4] == ["Ban hành kế hoạch", "1,00", "1,00"]
    assert rows["2.1.1"][3] == "1,50"
    assert "Số 12/KH-STP" in rows["1.1.1"][4]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Tổng điểm tự đánh giá: 5,00/8,00 điểm" in text
    names = zipfile.ZipFile(bundle).namelist()
    assert "1.1.1_ban-hanh-ke-hoach/12-kh-stp.pdf" in names


def test_the_same_bytes_as_the_web_download(world, tmp_path):
    cast, cycle = world
    out = tmp_path / "a.docx"
    assert main(["report", "self-assessment", "--cycle", str(cycle.pk), "--unit", "STP",
                 "--out", str(out), "--user", "lanhdao"]) == 0  # fmt: skip
    _name, web = services.self_report_docx(participation=cast.part(cycle, "a"), user=cast.leader)
    assert Document(io.BytesIO(out.read_bytes())).tables[1].rows[3].cells[0].text == (
        Document(io.BytesIO(web)).tables[1].rows[3].cells[0].text
    )


@pytest.mark.parametrize(
    ("cycle", "unit", "extra", "message"),
    [
        ("999999", "STP", [], "không có kỳ đánh giá số 999999"),
        (None, "KHONGCO", [], "đơn vị “KHONGCO” không tham gia kỳ đánh giá"),
        (None, "K-STP", [], "không tham gia kỳ đánh giá"),
        (None, "STP", ["--user", "khongco"], "không có tài khoản đang hoạt động “khongco”"),
        (None, "STP", ["--user", "canbo_b"], "không có quyền tải báo cáo"),
    ],
)
def test_clear_errors(world, tmp_path, capsys, cycle, unit, extra, message):
    _cast, c = world
    out = tmp_path / "x.docx"
    args = ["report", "self-assessment", "--cycle", cycle or str(c.pk), "--unit", unit]
    assert main([*args, "--out", str(out), *extra]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_file_is_exit_2(world, tmp_path, capsys):
    _cast, cycle = world
    out = tmp_path / "no-such-dir" / "x.docx"
    args = ["report", "self-assessment", "--cycle", str(cycle.pk), "--unit", "STP"]
    assert main([*args, "--out", str(out)]) == 2
    assert "không ghi được" in capsys.readouterr().err
