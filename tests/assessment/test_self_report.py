"""The unit's self-assessment report (Word) and evidence bundle (zip), on a small known world:
unit A (Sở Tư pháp) in the cast's open cycle on tests/data/small.yaml.

    1.1.1  đúng hạn         1/1   doc 12/KH-UBND (UBND tỉnh Lào Cai, 15/01/2025)
    1.1.2  90 %           0,5/1   doc 12/KH-UBND too, and 05/BC-STP; note "Còn 2 nhiệm vụ …"
    1.2.1  không phát sinh  1/1   note "Năm 2025 không có cuộc kiểm tra" (full points)
    1.2.2  0,75          0,75/1   no document, no note
    2.1.1  100 %            2/2   doc "=1+1" (a formula-looking number), no date
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from parindex.assessment import services
from parindex.assessment.models import Entry
from parindex.assessment.services import self_report as sr
from parindex.common.errors import ServiceError

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _upload(p, user, number, *, codes, issuer="", doc_date=None, title="", body=PDF, name="a.pdf"):
    ev = services.evidence_upload(
        participation=p,
        file=SimpleUploadedFile(name, body, "application/pdf"),
        user=user,
        title=title,
        doc_number=number,
        doc_date=doc_date,
        issuer=issuer,
    )
    for code in codes:
        services.evidence_link(participation=p, evidence=ev, code=code, user=user)
    return ev


@pytest.fixture
def world(cast):
    cycle = cast.cycle(units=("a", "b"))
    p = cast.part(cycle, cast.a)
    officer = cast.officer
    for code, value, note in (
        ("1.1.1", "đúng hạn", ""),
        ("1.1.2", "90", "Còn 2 nhiệm vụ chuyển sang năm sau"),
        ("1.2.1", "không phát sinh", "Năm 2025 không có cuộc kiểm tra"),
        ("1.2.2", "0,75", ""),
        ("2.1.1", "100", ""),
    ):
        services.entry_save_self(participation=p, code=code, value=value, note=note, user=officer)
    _upload(
        p,
        officer,
        "12/KH-UBND",
        codes=["1.1.1", "1.1.2"],
        issuer="UBND tỉnh Lào Cai",
        doc_date=date(2025, 1, 15),
        title="Kế hoạch CCHC năm 2025",
        body=PDF + b"% one",
    )
    _upload(
        p,
        officer,
        "05/BC-STP",
        codes=["1.1.2"],
        issuer="Sở Tư pháp",
        doc_date=date(2025, 12, 1),
        body=PDF + b"% two",
        name="bao cao.pdf",
    )
    _upload(p, officer, "=1+1", codes=["2.1.1"], title="@SUM(A1)", body=PDF + b"% three")
    services.participation_save_report(
        participation=p,
        difficulties="Thiếu biên chế làm công tác CCHC.",
        recommendations="Đề nghị tập huấn về tài liệu kiểm chứng.",
        user=officer,
    )
    p.refresh_from_db()
    return cast, p


def _docx_text(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(io.BytesIO(content))
    paragraphs = [par.text for par in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return paragraphs, tables


def test_not_arising_without_a_note_or_document_is_refused(world):
    cast, p = world
    with pytest.raises(ServiceError, match="1.2.2: khi đánh dấu “không phát sinh”"):
        services.entry_save_self(
            participation=p, code="1.2.2", value="không phát sinh", note="", user=cast.officer
        )
    assert Entry.objects.get(participation=p, code="1.2.2").value == "0,75"
    # A linked document is justification enough; removing the note is then allowed.
    services.entry_save_self(participation=p, code="1.1.1", value="KPS", note="", user=cast.officer)
    assert Entry.objects.get(participation=p, code="1.1.1").value == "KPS"
    # ... but the note of 1.2.1 (no document) cannot be removed.
    with pytest.raises(ServiceError, match="1.2.1"):
        services.entry_save_self(
            participation=p, code="1.2.1", value="không phát sinh", note=" ", user=cast.officer
        )


def test_the_last_document_of_a_bare_not_arising_item_stays(world):
    cast, p = world
    services.entry_save_self(participation=p, code="1.1.1", value="KPS", note="", user=cast.officer)
    link = Entry.objects.get(participation=p, code="1.1.1").links.get()
    with pytest.raises(ServiceError, match="1.1.1"):
        services.evidence_unlink(link=link, user=cast.officer)
    assert Entry.objects.get(participation=p, code="1.1.1").links.exists()


def test_the_report_holds_the_table_the_evidence_and_the_explanations(world):
    cast, p = world
    name, content = sr.self_report_docx(participation=p, user=cast.leader)
    assert name == f"bao-cao-tu-danh-gia-{p.cycle.year}-stp.docx"
    paragraphs, tables = _docx_text(content)
    text = "\n".join(paragraphs)
    heading, summary, explain, not_arising, _closing = tables
    assert heading[0][0].startswith("UBND TỈNH LÀO CAI\nSỞ TƯ PHÁP")
    assert "Kết quả tự đánh giá, chấm điểm xác định Chỉ số cải cách hành chính năm" in text
    rows = {r[0]: r for r in summary[1:]}
    # Field 1: 1 + 0,5 + 1 (1.2.1 not arising: full points) + 0,75 = 3,25 of 4.
    assert rows["1"][1:4] == ["Chỉ đạo, điều hành", "4,00", "3,25"]
    assert rows["1.1.1"][3] == "1,00"
    assert rows["1.1.1"][4] == (
        "- Số 12/KH-UBND ngày 15/01/2025 của UBND tỉnh Lào Cai: Kế hoạch CCHC năm 2025"
    )
    assert rows["1.1.2"][4].splitlines() == [
        "- Số 12/KH-UBND ngày 15/01/2025 của UBND tỉnh Lào Cai: Kế hoạch CCHC năm 2025",
        "- Số 05/BC-STP ngày 01/12/2025 của Sở Tư pháp",
    ]
    assert rows["1.2.1"][3:] == ["Không phát sinh", "Xem mục III"]
    assert rows["1.2.2"][3:] == ["0,75", "Chưa có"]
    assert rows["2.2.1"][3] == "Cơ quan tổ chức xác định"
    assert "2.1.2" not in rows  # a commune's item
    assert "Tổng điểm tự đánh giá: 5,25/8,00 điểm, chỉ số đạt 65,63%" in text
    # II: below the maximum or without evidence; the unit's note, or that none was given.
    assert [r[0] for r in explain[1:]] == ["1.1.2", "1.2.2"]
    assert explain[1][2:] == ["Đạt 0,50/1,00 điểm", "Còn 2 nhiệm vụ chuyển sang năm sau"]
    assert explain[2][2:] == [
        "Đạt 0,75/1,00 điểm; chưa có tài liệu kiểm chứng",
        "(Chưa giải trình)",
    ]
    assert not_arising[1][:3] == ["1.2.1", "Có kiểm tra", "Năm 2025 không có cuộc kiểm tra"]
    i = paragraphs.index("IV. KHÓ KHĂN, VƯỚNG MẮC")
    assert paragraphs[i + 1] == "Thiếu biên chế làm công tác CCHC."
    j = paragraphs.index("V. ĐỀ XUẤT, KIẾN NGHỊ")
    assert paragraphs[j + 1] == "Đề nghị tập huấn về tài liệu kiểm chứng."
    signature = _closing[0][1]
    assert "GIÁM ĐỐC" in signature and "Sở Nội vụ (để tổng hợp);" in _closing[0][0]


def test_the_bundle_has_a_folder_per_item_files_by_number_and_an_index(world):
    cast, p = world
    name, chunks = sr.evidence_bundle(participation=p, user=cast.manager)
    assert name == f"tai-lieu-kiem-chung-{p.cycle.year}-stp.zip"
    parts = list(chunks)
    assert len([c for c in parts if c]) > 2  # produced piece by piece, not at once
    zf = zipfile.ZipFile(io.BytesIO(b"".join(parts)))
    assert zf.testzip() is None
    names = sorted(zf.namelist())
    assert names == [
        "1.1.1_ban-hanh-ke-hoach/12-kh-ubnd.pdf",
        "1.1.2_ty-le-hoan-thanh-ke-hoach/05-bc-stp.pdf",
        "1.1.2_ty-le-hoan-thanh-ke-hoach/12-kh-ubnd.pdf",
        "2.1.1_ty-le-dung-han/1-1.pdf",
        sr.INDEX_NAME,
    ]
    assert zf.read("1.1.2_ty-le-hoan-thanh-ke-hoach/05-bc-stp.pdf") == PDF + b"% two"
    ws = load_workbook(io.BytesIO(zf.read(sr.INDEX_NAME))).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert rows[0] == [
        "1.1.1",
        "Ban hành kế hoạch",
        "12/KH-UBND",
        "15/01/2025",
        "UBND tỉnh Lào Cai",
        "Kế hoạch CCHC năm 2025",
        "1.1.1_ban-hanh-ke-hoach/12-kh-ubnd.pdf",
    ]
    formula_like = rows[-1]
    assert formula_like[2] == "=1+1" and formula_like[5] == "@SUM(A1)"
    assert ws.cell(row=ws.max_row, column=3).data_type == "s"  # text, never a formula


def test_documents_sharing_a_number_in_one_folder_are_told_apart(world):
    cast, p = world
    _upload(p, cast.officer, "12/KH-UBND", codes=["1.1.1"], body=PDF + b"% four", name="b.PDF")
    _name, chunks = sr.evidence_bundle(participation=p, user=cast.officer)
    names = zipfile.ZipFile(io.BytesIO(b"".join(chunks))).namelist()
    folder = [n for n in names if n.startswith("1.1.1_")]
    assert sorted(folder) == ["1.1.1_ban-hanh-ke-hoach/12-kh-ubnd-2.pdf",
                              "1.1.1_ban-hanh-ke-hoach/12-kh-ubnd.pdf"]  # fmt: skip


@pytest.mark.parametrize("who", ["officer_b", "lead_agency", "appraiser", "viewer", "outsider"])
def test_other_units_and_the_council_get_neither(world, who):
    cast, p = world
    with pytest.raises(ServiceError):
        sr.self_report_docx(participation=p, user=cast.users[who])
    with pytest.raises(ServiceError):
        sr.evidence_bundle(participation=p, user=cast.users[who])


def test_the_closing_sections_are_the_units_and_close_with_the_self_assessment(world):
    cast, p = world
    with pytest.raises(ServiceError):
        services.participation_save_report(
            participation=p, difficulties="x", recommendations="", user=cast.manager
        )
    services.participation_submit(participation=p, user=cast.leader)
    with pytest.raises(ServiceError):
        services.participation_save_report(
            participation=p, difficulties="x", recommendations="", user=cast.officer
        )
    p.refresh_from_db()
    assert p.difficulties == "Thiếu biên chế làm công tác CCHC."
    from parindex.audit.models import LogEntry

    assert LogEntry.objects.filter(action="participation.report_saved").count() == 1


def test_points_add_up_in_the_data(world):
    cast, p = world
    data = sr.self_report_data(participation=p, user=cast.officer)
    assert data.points == Decimal("5.25")  # 3,25 + 2 (the survey not entered yet)
    assert [r.code for r in data.not_arising] == ["1.2.1"]


def test_the_page_saves_the_sections_and_offers_both_downloads(world):
    cast, p = world
    client = cast.client("officer")
    page = client.get(reverse("self_assessment", args=[p.pk])).content.decode()
    assert reverse("self_report_download", args=[p.pk]) in page
    assert reverse("evidence_bundle_download", args=[p.pk]) in page
    assert "Thiếu biên chế làm công tác CCHC." in page  # the saved text, in the form
    client.post(
        reverse("self_report_save", args=[p.pk]),
        {"difficulties": "Mới", "recommendations": "Kiến nghị mới"},
    )
    p.refresh_from_db()
    assert (p.difficulties, p.recommendations) == ("Mới", "Kiến nghị mới")
    response = cast.client("manager").get(reverse("evidence_bundle_download", args=[p.pk]))
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert sr.INDEX_NAME in names
    response = cast.client("manager").get(reverse("self_report_download", args=[p.pk]))
    paragraphs, _tables = _docx_text(response.content)
    assert "Kiến nghị mới" in paragraphs
    # The council reads the form but gets neither file.
    assert (
        cast.client("appraiser").get(reverse("self_report_download", args=[p.pk])).status_code
        == 403
    )
