"""The exports read back: the Excel workbook with openpyxl, the Word report with
python-docx, the open data CSV/JSON; the command line and the download views."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.shared import Pt
from openpyxl import load_workbook

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment import services
from parindex.audit.models import LogEntry
from parindex.common.cells import safe_cell as csv_safe
from parindex.results.cli_export import add_export_arguments, run_export
from parindex.results.exports import (
    ExportError,
    ledger_csv,
    ranking_csv,
    ranking_json,
    render_export,
    workbook_xlsx,
)
from parindex.results.report import ReportParams, report_docx, report_params_for, vn_date_line
from parindex.results.selectors import cycle_results, lost_points_ledger

D = Decimal


@pytest.fixture
def rs_tables(rs_world):
    results = cycle_results(rs_world["cycle"])
    return results, lost_points_ledger(rs_world["cycle"], results=results)


def sheet_rows(ws, first_data_row: int):
    return [list(r) for r in ws.iter_rows(min_row=first_data_row, values_only=True)]


# --- Excel --------------------------------------------------------------------------------------


def test_workbook_sheets_headers_and_a_units_numbers(rs_tables):
    results, ledger = rs_tables
    wb = load_workbook(io.BytesIO(workbook_xlsx(results, ledger)))
    assert wb.sheetnames == ["Xếp hạng", "Chỉ số thành phần", "Chi tiết", "Điểm chưa đạt"]

    ws = wb["Xếp hạng"]
    assert ws["A1"].value == "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025"
    header = [c.value for c in ws[4]]
    assert header[:10] == [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        "Loại đơn vị",
        "Điểm đạt",
        "Điểm tối đa",
        "Chỉ số (%)",
        "Xếp loại",
        "Điểm thưởng",
        "Điểm trừ",
    ]
    assert "Tăng/giảm hạng" in header
    assert ws.freeze_panes == "D5"
    assert ws.auto_filter.ref == f"A4:{ws.cell(4, len(header)).column_letter}10"
    rows = {r[1]: r for r in sheet_rows(ws, 5)}
    stp = rows["STP"]
    row = next(r for r in results.rows if r.unit.code == "STP")
    assert stp[:8] == [
        3,
        "STP",
        "Sở Tư pháp",
        "Sở, ban, ngành",
        6.65,
        8,
        83.125,
        "B",
    ]
    assert D(str(stp[6])) == row.index
    assert stp[-2:] == [2, -1]  # rank 2 in 2024, down one place
    assert ws.cell(5, 7).number_format == "0.00"
    assert ws.print_title_rows == "$4:$4"

    comp = wb["Chỉ số thành phần"]
    assert comp["F4"].value.startswith("1. Chỉ đạo, điều hành")
    assert [c.value for c in comp[5]][5:8] == ["Điểm", "Chỉ số (%)", "Hạng"]
    assert comp.freeze_panes == "F6"
    comp_rows = {r[1]: r for r in sheet_rows(comp, 6)}
    assert comp_rows["STP"][4:11] == [83.125, 3.25, 81.25, 3, 3.4, 85, 3]
    assert "A4:A5" in {str(m) for m in comp.merged_cells.ranges}

    detail = wb["Chi tiết"]
    assert [c.value for c in detail[4]][:9] == [
        "Mã đơn vị",
        "Tên đơn vị",
        "Mã",
        "Nội dung",
        "Điểm tối đa",
        "Tự đánh giá",
        "Thẩm định vòng 1",
        "Thẩm định vòng 2",
        "Điểm đạt (kết quả cuối cùng)",
    ]
    lines = {(r[0], r[2]): r for r in sheet_rows(detail, 5)}
    cut = lines[("STP", "1.1.2")]
    assert cut[4:11] == [
        1,
        1,
        0.5,
        0.5,
        0.5,
        "Thiếu tài liệu kiểm chứng",
        "Kế hoạch số 12/KH-STP đã được bổ sung.",
    ]
    assert lines[("STP", "1")][4:9] == [4, 3.75, 3.25, 3.25, 3.25]
    assert ("STP", "2.1.2") not in lines  # commune only
    assert lines[("XA1", "1.2.1")][11] == "không phát sinh (tính đủ điểm)"

    led = wb["Điểm chưa đạt"]
    led_rows = sheet_rows(led, 5)
    assert len(led_rows) == len(ledger)
    xa2 = next(r for r in led_rows if r[0] == "XA2" and r[4] == "2.1.2")
    assert xa2[12] == 2 and xa2[13] == "Không đáp ứng yêu cầu" and xa2[16] == "Không"
    assert xa2[18] == "Sở Y tế"


def test_ledger_alone_and_unsupported_combinations(rs_world):
    e = render_export(rs_world["cycle"], what="ledger", fmt="xlsx")
    assert load_workbook(io.BytesIO(e.data)).sheetnames == ["Điểm chưa đạt"]
    assert e.filename == "diem-bi-tru-chi-so-cchc-nam-2025.xlsx"
    with pytest.raises(ExportError):
        render_export(rs_world["cycle"], what="ranking", fmt="docx")
    with pytest.raises(ExportError):
        render_export(rs_world["cycle"], what="nothing", fmt="csv")


# --- open data -----------------------------------------------------------------------------------


def test_ranking_csv_and_json(rs_tables):
    results, _ledger = rs_tables
    rows = list(csv.DictReader(io.StringIO(ranking_csv(results).decode("utf-8-sig"))))
    stp = next(r for r in rows if r["unit_code"] == "STP")
    assert stp["index"] == "83.1250" and stp["rank"] == "3"
    assert stp["field_1_index"] == "81.2500" and stp["field_1_rank"] == "3"
    assert stp["previous_index"] == "75.0000" and stp["rank_change"] == "-1"
    data = json.loads(ranking_json(results))
    assert data["methodology"]["code"] == "small"
    assert data["cycle"]["year"] == 2025
    entry = next(r for r in data["results"] if r["unit"]["code"] == "STP")
    assert entry["index"] == "83.1250"
    assert entry["fields"][1] == {
        "code": "2",
        "points": "3.4000",
        "max_points": "4.0000",  # 2.1.2 (2 points) is for communes only
        "index": "85.0000",
        "rank": 3,
    }
    assert entry["change"]["index_change"] == "8.1250"


def test_csv_is_formula_injection_safe(rs_world, rs_tables):
    results, ledger = rs_tables
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("-2") == "'-2" and csv_safe(-2) == -2 and csv_safe("Sở") == "Sở"
    OrgUnit.objects.filter(code="STP").update(name='=HYPERLINK("http://x","y")')
    # a change outside the services: say so, as a rename service would (results_changed)
    services.results_changed(rs_world["cycle"].pk)
    results = cycle_results(rs_world["cycle"])
    text = ranking_csv(results).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    ledger_text = ledger_csv(lost_points_ledger(rs_world["cycle"])).decode("utf-8-sig")
    assert "'=HYPERLINK" in ledger_text
    row = next(r for r in csv.DictReader(io.StringIO(ledger_text)) if r["code"] == "2.1.2")
    assert row["recoverable"] == "False" and row["lost"] == "2.0000"


# --- Word --------------------------------------------------------------------------------------


def test_vietnamese_date_line():
    assert vn_date_line("Lào Cai", date(2026, 11, 26)) == "Lào Cai, ngày 26 tháng 11 năm 2026"
    assert vn_date_line("Lào Cai", date(2026, 2, 5)) == "Lào Cai, ngày 05 tháng 02 năm 2026"
    assert vn_date_line("Hà Nội", date(2026, 3, 9)) == "Hà Nội, ngày 09 tháng 3 năm 2026"


def test_report_params_come_from_the_organiser(rs_world):
    with time_machine.travel(datetime(2026, 11, 26, 9, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))):
        p = report_params_for(rs_world["cycle"], signer_name="Nguyễn Văn An")
    assert (p.authority, p.issuer, p.number, p.place) == (
        "UBND TỈNH LÀO CAI",
        "SỞ NỘI VỤ",
        "…/BC-SNV",
        "Lào Cai",
    )
    assert p.date == date(2026, 11, 26)
    assert p.title == (
        "Kết quả xác định Chỉ số cải cách hành chính năm 2025 của các sở, ban, ngành và "
        "UBND các xã, phường, đặc khu"
    )
    assert p.signer_name == "Nguyễn Văn An"


def test_word_report_layout_texts_and_charts(rs_world, rs_tables):
    results, ledger = rs_tables
    params = report_params_for(
        rs_world["cycle"], date=date(2026, 11, 26), signer_name="Nguyễn Văn An"
    )
    doc = Document(io.BytesIO(report_docx(results, ledger, params)))
    section = doc.sections[0]

    def mm(length):
        return round(length.mm)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)  # A4
    assert (mm(section.left_margin), mm(section.right_margin)) == (30, 15)
    assert (mm(section.top_margin), mm(section.bottom_margin)) == (20, 20)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.styles["Normal"].font.size == Pt(14)

    heading = doc.tables[0]
    left = [p.text for p in heading.cell(0, 0).paragraphs if p.text]
    right = [p.text for p in heading.cell(0, 1).paragraphs if p.text]
    assert left == ["UBND TỈNH LÀO CAI", "SỞ NỘI VỤ"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    motto = heading.cell(0, 1).paragraphs[1].runs[0]
    assert motto.bold and motto.underline
    assert heading.cell(0, 0).paragraphs[1].runs[0].bold  # the agency
    assert heading.cell(1, 0).text == "Số: …/BC-SNV"
    date_run = heading.cell(1, 1).paragraphs[0].runs[0]
    assert date_run.text == "Lào Cai, ngày 26 tháng 11 năm 2026" and date_run.italic

    texts = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in texts
    assert params.title in texts
    for h in (
        "I. KẾT QUẢ CHUNG",
        "II. KẾT QUẢ THEO LĨNH VỰC",
        "III. NHỮNG ĐIỂM CHƯA ĐẠT CHỦ YẾU",
        "IV. ĐỀ XUẤT",
    ):
        assert h in texts
    # ranking + field profile + heatmap for each of the two unit types
    assert len(doc.inline_shapes) == 6

    ranking = doc.tables[1]
    header = [c.text for c in ranking.rows[0].cells]
    assert header[:5] == ["Hạng", "Đơn vị", "Điểm đạt", "Điểm tối đa", "Chỉ số (%)"]
    stp = next(r for r in ranking.rows if r.cells[1].text == "Sở Tư pháp")
    assert [c.text for c in stp.cells] == ["3", "Sở Tư pháp", "6,65", "8,00", "83,13", "B", "+8,13"]
    shading = ranking.rows[0].cells[0]._tc.tcPr.xml
    assert "D9E2F3" in shading

    closing = doc.tables[-1]
    left = [p.text for p in closing.cell(0, 0).paragraphs]
    right = [p.text for p in closing.cell(0, 1).paragraphs if p.text]
    assert left[0] == "Nơi nhận:" and left[-1] == "- Lưu: VT, CCHC."
    assert right == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn An"]


def test_word_report_without_charts_and_with_own_proposals(rs_tables):
    results, ledger = rs_tables
    params = ReportParams(charts=False, proposals=("Đề xuất thứ nhất.",), date=date(2026, 1, 2))
    doc = Document(io.BytesIO(report_docx(results, ledger, params)))
    assert len(doc.inline_shapes) == 0
    texts = [p.text for p in doc.paragraphs]
    assert "1. Đề xuất thứ nhất." in texts
    assert doc.tables[0].cell(1, 1).text == "…, ngày 02 tháng 01 năm 2026"


# --- command line and downloads ---------------------------------------------------------------


def cli(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_export_arguments(p)
    return p.parse_args(argv)


def test_cli_export(rs_world, tmp_path, capsys):
    out = tmp_path / "kq.xlsx"
    code = run_export(
        cli("--cycle", str(rs_world["cycle"].pk), "--format", "xlsx", "--out", str(out))
    )
    assert code == 0
    assert load_workbook(out).sheetnames[0] == "Xếp hạng"
    assert "Đã ghi" in capsys.readouterr().out
    out = tmp_path / "bc.docx"
    args = cli(
        "--cycle",
        str(rs_world["cycle"].pk),
        "-f",
        "docx",
        "--what",
        "report",
        "-o",
        str(out),
        "--number",
        "15/BC-SNV",
        "--signer",
        "Trần Thị B",
        "--date",
        "2026-12-01",
    )
    assert run_export(args) == 0
    doc = Document(out)
    assert doc.tables[0].cell(1, 0).text == "Số: 15/BC-SNV"
    assert doc.tables[0].cell(1, 1).text == "Lào Cai, ngày 01 tháng 12 năm 2026"
    assert run_export(cli("--cycle", "999999", "-f", "csv", "-o", str(tmp_path / "x"))) == 1
    assert "không có kỳ đánh giá" in capsys.readouterr().err
    assert run_export(cli("--cycle", str(rs_world["cycle"].pk), "-f", "docx", "-o", "x")) == 1
    code = run_export(
        cli(
            "--cycle",
            str(rs_world["cycle"].pk),
            "-f",
            "json",
            "--what",
            "ledger",
            "--stage",
            "final",
            "--unit-type",
            "commune",
            "-o",
            str(tmp_path / "l.json"),
        )
    )
    assert code == 0
    entries = json.loads((tmp_path / "l.json").read_text(encoding="utf-8"))["entries"]
    assert {e["unit_code"] for e in entries} == {"XA1", "XA2"}


def test_download_views(rs_world, rs_helpers):
    cycle = rs_world["cycle"]
    url = reverse("results_export", args=[cycle.pk, "ranking", "xlsx"])
    manager = Client()
    manager.force_login(rs_world["manager"])
    response = manager.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        'attachment; filename="xep-hang-chi-so-cchc-nam-2025.xlsx"'
    )
    assert LogEntry.objects.filter(action="results.exported").count() == 1
    response = manager.get(
        reverse("results_export", args=[cycle.pk, "ledger", "csv"]) + "?recoverable=0"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and all(r["recoverable"] == "False" for r in rows)
    assert (
        manager.get(reverse("results_export", args=[cycle.pk, "ranking", "docx"])).status_code
        == 404
    )

    leader = Client()
    leader.force_login(rs_world["leaders"]["STP"])
    own = leader.get(reverse("results_export", args=[cycle.pk, "ranking", "csv"]))
    codes = [r["unit_code"] for r in csv.DictReader(io.StringIO(own.content.decode("utf-8-sig")))]
    assert codes == ["STP"]
    assert (
        leader.get(reverse("results_export", args=[cycle.pk, "report", "docx"])).status_code == 403
    )

    outsider = Client()
    outsider.force_login(rs_helpers.user("rs_ngoai", Role.OFFICER, rs_world["province"]))
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # login first

    sample = manager.get(reverse("results_national_sample"))
    assert sample.status_code == 200 and b"year,province" in sample.content


def test_unit_chart_is_a_png(rs_world):
    from parindex.results.charts import unit_fields_chart
    from parindex.results.profile import unit_profile

    png = unit_fields_chart(unit_profile(rs_world["parts"]["STP"]))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_a_cycle_without_units_still_exports(rs_world):
    from parindex.assessment import services

    empty = services.cycle_create(
        name="Kỳ trống",
        year=2026,
        methodology=rs_world["mv"],
        organiser=rs_world["snv"],
        units=[],
    )
    wb = load_workbook(io.BytesIO(render_export(empty, what="ranking", fmt="xlsx").data))
    assert wb["Xếp hạng"].max_row == 4  # titles and header
    doc = Document(io.BytesIO(render_export(empty, what="report", fmt="docx").data))
    assert "Không có đơn vị nào có điểm chưa đạt." in [p.text for p in doc.paragraphs]
    assert json.loads(render_export(empty, what="ledger", fmt="json").data)["entries"] == []
