"""A province's self-assessment for the Ministry: the cycle's own council pre-appraises, the
cycle is finalised, then the Ministry's appraisal, the explanation round and its final points
are entered back (by item or from the Ministry's spreadsheet), the index uses the Ministry's
final and the ledger compares four columns."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from parindex.assessment import lifecycle
from parindex.assessment import services as svc
from parindex.assessment.models import Cycle, Entry
from parindex.audit.models import LogEntry
from parindex.cli import main
from parindex.results.exports import ledger_xlsx
from parindex.results.selectors import cycle_results, lost_points_ledger

pytestmark = pytest.mark.django_db

S = Cycle.State
BNV = "Bộ Nội vụ"
# tests/data/small.yaml, department A's FILL: 1.1.1 1, 1.1.2 1, 1.2.1 1, 1.2.2 0,5, 2.1.1 1,5
# (self 5). The province's council cuts 1.1.2 to 0,5 (final 4,5).


def _finalised(cast, reports_to: str = BNV, state: str = S.FINAL) -> tuple[Cycle, object]:
    """A cycle of unit A reporting to `reports_to`, pre-appraised by the council (1.1.2 cut
    to 0,5) and taken to `state` (appraisal_2 or final)."""
    from cast import FILL

    cycle = cast.cycle(S.APPRAISAL, units=("a",), values={"STP": FILL}, reports_to=reports_to)
    p = cast.part(cycle, "a")
    cast.appraise(p, "1.1.2", "0.5", reason="not_met", comment="Chưa hoàn thành")
    svc.appraise_remaining(participation=p, user=cast.appraiser)
    states = [S.EXPLANATION, S.APPRAISAL_2] + ([S.FINAL] if state == S.FINAL else [])
    cycle = cast.advance(cycle, *states)
    return Cycle.objects.get(pk=cycle.pk), p


def _final_points(cycle: Cycle) -> Decimal:
    return cycle_results(cycle).rows[0].result.points


def _entry(p, code: str) -> Entry:
    return Entry.objects.get(participation=p, code=code)


# --- by item ------------------------------------------------------------------------------------


def test_the_ministrys_final_is_the_index_by_item(cast):
    cycle, p = _finalised(cast)
    assert _final_points(cycle) == Decimal("4.5")
    e = svc.entry_save_outside(
        participation=p,
        code="1.1.2",
        points=Decimal("0"),
        reason="evidence_missing",
        comment="Thiếu báo cáo",
        explanation="Đã bổ sung báo cáo số 12/BC-UBND",
        final_points=Decimal("0.5"),
        version=_entry(p, "1.1.2").version,
        user=cast.manager,
    )
    assert (e.ministry_points, e.ministry_final_points) == (Decimal("0"), Decimal("0.5"))
    assert _final_points(Cycle.objects.get(pk=cycle.pk)) == Decimal("4.5")
    svc.entry_save_outside(
        participation=p, code="2.1.1", points=Decimal(1), final_points=Decimal(1), user=cast.manager
    )
    # 1 + 0,5 + 1 + 0,5 + 1: the Ministry's final where given, the province's elsewhere.
    assert _final_points(Cycle.objects.get(pk=cycle.pk)) == Decimal("4")
    # The province's own final (its pre-appraisal) is kept.
    assert _entry(p, "2.1.1").final_points == Decimal("1.5")
    assert LogEntry.objects.filter(action="entry.outside_saved", cycle=cycle).count() == 2
    # An appraisal without the Ministry's final leaves the index as it is.
    svc.entry_save_outside(participation=p, code="1.1.1", points=Decimal(0), user=cast.manager)
    assert _final_points(Cycle.objects.get(pk=cycle.pk)) == Decimal("4")


def test_a_stale_version_is_refused(cast):
    cycle, p = _finalised(cast)
    version = _entry(p, "1.1.2").version
    svc.entry_save_outside(
        participation=p, code="1.1.2", points=Decimal(0), version=version, user=cast.manager
    )
    with pytest.raises(svc.Conflict):
        svc.entry_save_outside(
            participation=p, code="1.1.2", points=Decimal(1), version=version, user=cast.admin
        )
    assert _entry(p, "1.1.2").ministry_points == Decimal(0)


@pytest.mark.parametrize(
    ("points", "final", "message"),
    [(Decimal("1.5"), None, "ngoài khoảng"), (None, Decimal("-0.25"), "ngoài khoảng")],
)
def test_points_outside_the_items_range_are_refused(cast, points, final, message):
    cycle, p = _finalised(cast)
    with pytest.raises(svc.ServiceError, match=message):
        svc.entry_save_outside(
            participation=p, code="1.1.2", points=points, final_points=final, user=cast.manager
        )
    assert _entry(p, "1.1.2").ministry_points is None


def test_refused_before_the_cycle_is_final_and_for_ordinary_cycles(cast):
    cycle, p = _finalised(cast, state=S.APPRAISAL_2)
    assert not lifecycle.outside_results_open(cycle)[0]
    with pytest.raises(svc.ServiceError, match="sau khi kỳ đánh giá đã chốt kết quả"):
        svc.entry_save_outside(participation=p, code="1.1.2", points=Decimal(0), user=cast.manager)
    ordinary, p2 = _finalised(cast, reports_to="")
    with pytest.raises(svc.ServiceError, match="không gửi kết quả đến cơ quan cấp trên"):
        svc.entry_save_outside(participation=p2, code="1.1.2", points=Decimal(0), user=cast.manager)
    assert not Entry.objects.filter(ministry_points__isnull=False).exists()


def test_the_lifecycle_allows_it_in_final_and_published_only():
    allowed = {s for s, f in lifecycle.FACTS.items() if f.outside_results}
    assert allowed == {S.FINAL, S.PUBLISHED}


@pytest.mark.parametrize("role", ["officer", "leader", "appraiser", "viewer", "other_manager"])
def test_only_the_organisers_managers_enter_it(cast, role):
    cycle, p = _finalised(cast)
    with pytest.raises(svc.ServiceError, match="cán bộ quản lý"):
        svc.entry_save_outside(
            participation=p, code="1.1.2", points=Decimal(0), user=cast.users[role]
        )


# --- the Ministry's spreadsheet -------------------------------------------------------------------


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_from_the_ministrys_workbook(cast):
    cycle, p = _finalised(cast)
    data = _xlsx(
        [
            ["Mã tiêu chí", "Điểm thẩm định", "Lý do", "Nhận xét", "Điểm cuối cùng"],
            ["1.1.2", 0, "Thiếu tài liệu kiểm chứng", "Thiếu báo cáo", 0.5],
            ["2.1.1", "1,0", "not_met", "", 1],
        ]
    )
    table = svc.outside_read_file("ket-qua-bo.xlsx", data)
    assert svc.outside_import(cycle=cycle, table=table, user=cast.manager) == 2
    e = _entry(p, "1.1.2")
    assert (e.ministry_points, e.ministry_reason, e.ministry_comment, e.ministry_final_points) == (
        Decimal(0),
        "evidence_missing",
        "Thiếu báo cáo",
        Decimal("0.5"),
    )
    assert _final_points(Cycle.objects.get(pk=cycle.pk)) == Decimal("4")
    log = LogEntry.objects.get(action="cycle.outside_imported", cycle=cycle)
    assert log.data["rows"] == 2


def test_import_csv_leaves_columns_it_lacks_as_they_are(cast):
    cycle, p = _finalised(cast)
    svc.entry_save_outside(
        participation=p, code="1.1.2", points=Decimal(0), comment="Thiếu", user=cast.manager
    )
    table = svc.outside_read_file("final.csv", b"code;final\n1.1.2;0,75\n")
    svc.outside_import(cycle=cycle, table=table, user=cast.manager)
    e = _entry(p, "1.1.2")
    assert (e.ministry_points, e.ministry_comment, e.ministry_final_points) == (
        Decimal(0),
        "Thiếu",
        Decimal("0.75"),
    )


def test_import_refuses_the_whole_file_naming_file_row_and_field(cast):
    cycle, p = _finalised(cast)
    csv = (
        "code,points,reason,comment,final\n"
        "1.1.2,0,not_met,,0.5\n"  # fine
        "9.9.9,0,,,0\n"  # row 3: unknown code
        "2.1.1,2.5,,,1\n"  # row 4: above the maximum (2)
        "1.2.2,abc,,,\n"  # row 5: not a number
        "1.1.1,0,sai lý do,,\n"  # row 6: unknown reason
        "1.1.2,0,,,0\n"  # row 7: 1.1.2 twice
    ).encode()
    table = svc.outside_read_file("bo-noi-vu.csv", csv)
    with pytest.raises(svc.ImportRefused) as info:
        svc.outside_import(cycle=cycle, table=table, user=cast.manager)
    messages = [str(e) for e in info.value.errors]
    assert len(messages) == 5
    assert messages[0].startswith("Tệp “bo-noi-vu.csv”, dòng 3, cột “code”")
    assert "9.9.9" in messages[0]
    assert messages[1].startswith("Tệp “bo-noi-vu.csv”, dòng 4, cột “points”")
    assert "ngoài khoảng [0; 2,00]" in messages[1]
    assert messages[2].startswith("Tệp “bo-noi-vu.csv”, dòng 5, cột “points”")
    assert messages[3].startswith("Tệp “bo-noi-vu.csv”, dòng 6, cột “reason”")
    assert messages[4].startswith("Tệp “bo-noi-vu.csv”, dòng 7, cột “code”")
    # Nothing saved: not even the valid row.
    assert not Entry.objects.filter(participation=p, ministry_points__isnull=False).exists()
    assert not LogEntry.objects.filter(
        action__in=["entry.outside_saved", "cycle.outside_imported"]
    ).exists()


def test_a_file_without_the_needed_columns_is_refused(cast):
    with pytest.raises(svc.ImportRefused) as info:
        svc.outside_read_file("bo.csv", b"ma_sai,nhan_xet\n1.1.2,x\n")
    text = " ".join(str(e) for e in info.value.errors)
    assert "Tệp “bo.csv”, dòng 1, cột “code”" in text
    assert "cột “points”" in text
    with pytest.raises(svc.ImportRefused):
        svc.outside_read_file("bo.pdf", b"%PDF")


def test_the_import_is_refused_before_final(cast):
    cycle, p = _finalised(cast, state=S.APPRAISAL_2)
    table = svc.outside_read_file("bo.csv", b"code,final\n1.1.2,0.5\n")
    with pytest.raises(svc.ServiceError, match="sau khi kỳ đánh giá đã chốt"):
        svc.outside_import(cycle=cycle, table=table, user=cast.manager)


def test_the_command_line_import(cast, tmp_path, capsys):
    cycle, p = _finalised(cast)
    path = tmp_path / "bo.csv"
    path.write_text("code,points,final\n1.1.2,0,0.5\n", encoding="utf-8")
    assert main(["cycle", "ministry-import", str(cycle.pk), str(path), "--user", "quanly"]) == 0
    assert "Đã nhập 1 dòng" in capsys.readouterr().out
    assert _entry(p, "1.1.2").ministry_final_points == Decimal("0.5")
    path.write_text("code,points\n7.7,0\n", encoding="utf-8")
    assert main(["cycle", "ministry-import", str(cycle.pk), str(path), "--user", "quanly"]) == 1
    assert "dòng 2, cột “code”" in capsys.readouterr().err


# --- the ledger and its exports ------------------------------------------------------------


def _entered(cast) -> tuple[Cycle, object]:
    cycle, p = _finalised(cast)
    table = svc.outside_read_file(
        "bo.csv", b"code,points,reason,final\n1.1.2,0,evidence_missing,0.5\n2.1.1,1,not_met,1\n"
    )
    svc.outside_import(cycle=cycle, table=table, user=cast.manager)
    return Cycle.objects.get(pk=cycle.pk), p


def test_the_ledger_compares_four_columns(cast):
    cycle, _p = _entered(cast)
    lines = {e.code: e for e in lost_points_ledger(cycle)}
    e = lines["1.1.2"]
    assert (e.self_points, e.province_points, e.ministry_points, e.final_points) == (
        Decimal(1),
        Decimal("0.5"),
        Decimal(0),
        Decimal("0.5"),
    )
    assert (e.council_cut, e.ministry_cut, e.recovered) == (
        Decimal("0.5"),
        Decimal("0.5"),
        Decimal("0.5"),
    )
    e = lines["2.1.1"]
    assert (e.council_cut, e.ministry_cut, e.recovered, e.lost) == (
        Decimal(0),
        Decimal("0.5"),
        Decimal(0),
        Decimal(1),
    )
    assert e.reason == "not_met"  # the Ministry's reason


def test_the_ledger_page_and_excel_show_the_four_columns(cast):
    cycle, _p = _entered(cast)
    html = cast.client("manager").get(reverse("results_ledger", args=[cycle.pk])).content.decode()
    assert "Bộ Nội vụ thẩm định" in html
    assert "Chênh lệch" in html
    assert "Giải trình lấy lại" in html
    book = load_workbook(io.BytesIO(ledger_xlsx(cycle_results(cycle), lost_points_ledger(cycle))))
    ws = book.worksheets[0]
    header = [c.value for row in ws.iter_rows(min_row=1, max_row=6) for c in row if c.value]
    for title in ("Hội đồng thẩm định", "Bộ Nội vụ thẩm định", "Bộ Nội vụ trừ", "Hội đồng trừ"):
        assert title in header


def test_the_ledger_csv_and_json_carry_the_four_columns(cast):
    import csv
    import json

    from parindex.results.exports import ledger_csv, ledger_json

    cycle, _p = _entered(cast)
    ledger = lost_points_ledger(cycle)
    rows = {
        r["code"]: r for r in csv.DictReader(io.StringIO(ledger_csv(ledger).decode("utf-8-sig")))
    }
    row = rows["1.1.2"]
    assert (row["self_points"], row["province_points"], row["outside_points"]) == (
        "1.0000",
        "0.5000",
        "0.0000",
    )
    assert (row["final_points"], row["outside_cut"], row["recovered"]) == (
        "0.5000",
        "0.5000",
        "0.5000",
    )
    data = json.loads(ledger_json(cycle_results(cycle), ledger))
    entry = next(e for e in data["entries"] if e["code"] == "2.1.1")
    assert (entry["outside_points"], entry["council_cut"], entry["outside_cut"]) == (
        "1.0000",
        "0.0000",
        "0.5000",
    )


def test_an_ordinary_cycle_ledger_looks_as_before(cast):
    cycle, _p = _finalised(cast, reports_to="")
    html = cast.client("manager").get(reverse("results_ledger", args=[cycle.pk])).content.decode()
    assert "Chênh lệch" not in html
    book = load_workbook(io.BytesIO(ledger_xlsx(cycle_results(cycle), lost_points_ledger(cycle))))
    values = [c.value for row in book.worksheets[0].iter_rows() for c in row if c.value]
    assert "Thẩm định vòng 1" in values
    assert "Hội đồng trừ" not in values


# --- the pages ----------------------------------------------------------------------------------


def test_the_item_page_saves_one_item(cast):
    cycle, p = _finalised(cast)
    client = cast.client("manager")
    url = reverse("outside_results", args=[p.pk])
    assert "1.1.2" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "code": "1.1.2",
            "version": _entry(p, "1.1.2").version,
            "points": "0",
            "final_points": "0,5",
        },
    )
    assert response.status_code == 302
    assert _entry(p, "1.1.2").ministry_final_points == Decimal("0.5")
    response = client.post(url, {"code": "1.1.2", "points": "abc"}, follow=True)
    assert "không phải là số" in response.content.decode()


def test_the_upload_page_shows_the_errors(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cycle, p = _finalised(cast)
    response = cast.client("manager").post(
        reverse("cycle_outside_import", args=[cycle.pk]),
        {"file": SimpleUploadedFile("bo.csv", b"code,points\n1.1.2,9\n", "text/csv")},
    )
    assert response.status_code == 200
    assert "Tệp “bo.csv”, dòng 2, cột “points”" in response.content.decode()
    assert _entry(p, "1.1.2").ministry_points is None


def test_the_word_report_compares_the_four_columns(cast):
    from docx import Document

    from parindex.results.report import report_docx

    cycle, _p = _entered(cast)
    results = cycle_results(cycle)
    doc = Document(io.BytesIO(report_docx(results, lost_points_ledger(cycle, results=results))))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Hội đồng thẩm định của tỉnh trừ 0,50 điểm" in text
    assert "Bộ Nội vụ thẩm định trừ thêm 1,00 điểm" in text
    assert "lấy lại 0,50 điểm" in text
    headers = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    assert ["Mã", "Tiêu chí thành phần", "Tối đa", "Tự đánh giá", "Hội đồng", BNV, "Cuối cùng"] in (
        headers
    )


def test_the_setup_form_declares_the_body_the_cycle_reports_to(cast):
    methodology = cast.methodology()
    response = cast.client("manager").post(
        reverse("setup_cycle_new"),
        {
            "name": "Tự đánh giá Chỉ số CCHC gửi Bộ",
            "year": "2025",
            "methodology": methodology.pk,
            "organiser": cast.organiser.pk,
            "units": [cast.a.pk],
            "reports_to": " Bộ Nội vụ ",
        },
    )
    assert response.status_code == 302
    assert Cycle.objects.get(name="Tự đánh giá Chỉ số CCHC gửi Bộ").reports_to == BNV
