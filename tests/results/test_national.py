"""The 63 -> 34 lineage and the import of published national results (all or nothing, with
a message per row and column)."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.results.lineage import lineage, province_key
from parindex.results.models import NationalResult
from parindex.results.selectors import national_results_for, national_results_table
from parindex.results.services import (
    ImportRefused,
    national_results_import,
    national_results_import_file,
    national_results_read_csv,
)

D = Decimal


def test_the_lineage_has_63_provinces_before_and_34_after():
    lin = lineage()
    assert len(lin.provinces) == 34
    assert len(lin.before_2025) == 63 == len(set(lin.before_2025))
    assert lin.successor("Yên Bái").name == "Lào Cai"
    assert lin.successor("Thừa Thiên-Huế").name == "Huế"
    assert lin.successor("Bà Rịa-Vũng Tàu").name == "Hồ Chí Minh"
    assert lin.successor("TP. Hồ Chí Minh").name == "Hồ Chí Minh"
    assert lin.successor("Khánh Hoà").name == "Khánh Hòa"  # old-style tone mark
    assert lin.successor("Tỉnh Hòa Bình").name == "Phú Thọ"
    assert lin.successor("Atlantis") is None
    assert lin.province("Lào Cai").continuing() == "Lào Cai"
    assert lin.province("Huế").continuing() == "Thừa Thiên Huế"
    assert province_key("Thành phố  Hải-Phòng") == "hải phòng"


@pytest.fixture
def rs_admin(db):
    return User.objects.create_superuser("rs_admin", password="x" * 12)


def csv_rows(text: str):
    return national_results_read_csv(text.encode("utf-8"))


def test_import_maps_the_63_to_the_34_and_keeps_values_as_published(rs_admin):
    rows = csv_rows(
        "year,province,rank,total,appraisal,sipas,leader_survey,socio_economic,source\n"
        '2024,Yên Bái,30,"84,10",,,,,Báo A\n'
        "2024,Lào Cai,20,85.05,55.1,8.3,17.65,4,\n"
        "2020,Thừa Thiên-Huế,3,88.47,56.78,8.57,20.11,3.01,Báo Đầu tư\n"
        "2025,Huế,1,90.1234,,,,,\n"
    )
    summary = national_results_import(rows=rows, user=rs_admin, source="Nguồn chung")
    assert (summary.created, summary.updated, summary.years) == (4, 0, (2020, 2024, 2025))
    yb = NationalResult.objects.get(year=2024, province="Yên Bái")
    assert (yb.province_2025, yb.total, yb.rank, yb.source) == ("Lào Cai", D("84.1"), 30, "Báo A")
    assert yb.is_predecessor
    lc = NationalResult.objects.get(year=2024, province="Lào Cai")
    assert (lc.appraisal, lc.sipas, lc.leader_survey, lc.socio_economic) == (
        D("55.1"),
        D("8.3"),
        D("17.65"),
        D(4),
    )
    assert lc.source == "Nguồn chung" and not lc.is_predecessor
    hue = NationalResult.objects.get(year=2020)
    assert (hue.province, hue.province_canonical, hue.province_2025) == (
        "Thừa Thiên-Huế",
        "Thừa Thiên Huế",
        "Huế",
    )
    assert [(r.year, r.province) for r in national_results_for("Lào Cai")] == [
        (2024, "Lào Cai"),
        (2024, "Yên Bái"),
    ]
    table = dict(national_results_table(2024))
    assert [r.province for r in table["Lào Cai"]] == ["Lào Cai", "Yên Bái"]
    assert table["Hà Nội"] == [] and len(table) == 34
    assert LogEntry.objects.filter(action="results.national_imported").count() == 1


def test_reimporting_a_year_and_province_replaces_it(rs_admin):
    national_results_import(rows=csv_rows("year,province,total\n2024,Lào Cai,85\n"), user=rs_admin)
    summary = national_results_import(
        rows=csv_rows("year,province,total\n2024,lào cai,86\n"), user=rs_admin
    )
    assert (summary.created, summary.updated) == (0, 1)
    assert NationalResult.objects.get().total == D(86)


def test_one_bad_row_refuses_the_whole_file_with_row_level_messages(rs_admin):
    text = (
        "year,province,total,sipas\n"
        "2024,Lào Cai,85,8\n"
        "2024,Atlantis,85,\n"  # line 3: unknown province
        "2025,Yên Bái,80,\n"  # line 4: not one of the 34 from 2025
        "20x4,Hà Nội,abc,120\n"  # line 5: year, total, sipas
        "2024,Lào Cai,84,\n"  # line 6: same province and year as line 2 (merged)
        "2024,,,\n"  # line 7: province missing
        "2024,Sơn La,85.12345,\n"  # line 8: too many decimals
        "2024,Sơn La 2,,\n"  # line 9: unknown province (no figure either)
        "2024,Điện Biên,,\n"  # line 10: no figure and no note
    )
    with pytest.raises(ImportRefused) as exc:
        national_results_import(rows=csv_rows(text), user=rs_admin)
    errors = [(e.line, e.column) for e in exc.value.errors]
    assert errors == [
        (3, "province"),
        (4, "province"),
        (5, "year"),
        (5, "total"),
        (5, "sipas"),
        (7, "province"),
        (8, "total"),
        (9, "province"),
        (10, "total"),
    ]
    messages = [str(e) for e in exc.value.errors]
    assert "63 tỉnh" in messages[0] and "34 tỉnh" in messages[1]
    assert messages[-1] == (
        "Dòng 10, cột “total”: dòng không có số liệu nào (Chỉ số, hạng, SIPAS, điểm các khối)"
        " hay ghi chú."
    )
    assert NationalResult.objects.count() == 0  # nothing imported, not even line 2


def test_file_level_errors(rs_admin):
    with pytest.raises(ImportRefused) as exc:
        national_results_read_csv(b"\xff\xfe bad")
    assert exc.value.errors[0].line == 1
    with pytest.raises(ImportRefused) as exc:
        national_results_read_csv("năm,province\n2024,Lào Cai\n".encode())
    assert [e.column for e in exc.value.errors] == ["year", "năm", "total"]
    with pytest.raises(ImportRefused) as exc:
        national_results_read_csv(b"year,province,total,oops\n")
    assert exc.value.errors[0].column == "oops"
    with pytest.raises(ImportRefused):
        national_results_import(rows=[], user=rs_admin)
    rows = national_results_read_csv("year;province;total\n2024;Lào Cai;85,5\n".encode())
    assert rows == [(2, {"year": "2024", "province": "Lào Cai", "total": "85,5"})]


def test_only_admins_and_the_ministrys_managers_import(db):
    officer = User.objects.create_user("rs_can_bo")
    unit = OrgUnit.objects.create(code="X", name="Sở X", type="department")
    Membership.objects.create(user=officer, role=Role.OFFICER, unit=unit)
    rows = csv_rows("year,province,total\n2024,Lào Cai,85\n")
    with pytest.raises(ServiceError):
        national_results_import(rows=rows, user=officer)
    # A manager of a department (a province's organiser) may not overwrite them either.
    Membership.objects.create(user=officer, role=Role.MANAGER, unit=unit)
    officer._parindex_memberships = None
    with pytest.raises(ServiceError):
        national_results_import(rows=rows, user=officer)
    ministry = OrgUnit.objects.create(code="BNV", name="Bộ Nội vụ", type="ministry")
    Membership.objects.create(user=officer, role=Role.MANAGER, unit=ministry)
    officer._parindex_memberships = None
    assert national_results_import(rows=rows, user=officer).created == 1


def test_the_shipped_sample_imports_and_holds_the_2020_top_ten(db):
    data = resources.files("parindex.results").joinpath("data/national-results-sample.csv")
    summary = national_results_import_file(data=data.read_bytes(), user=None)
    assert summary.created == NationalResult.objects.count() >= 20
    top = list(NationalResult.objects.filter(year=2020, rank__isnull=False).order_by("rank"))
    assert [r.province for r in top][:3] == ["Quảng Ninh", "Hải Phòng", "Thừa Thiên-Huế"]
    qn = top[0]
    assert (qn.total, qn.appraisal, qn.sipas, qn.leader_survey, qn.socio_economic) == (
        D("91.04"),
        D("57.66"),
        D("9.56"),
        D("18.83"),
        D("5.00"),
    )
    assert all(r.source for r in NationalResult.objects.all())
    brvt = NationalResult.objects.get(year=2020, province="Bà Rịa-Vũng Tàu")
    assert brvt.province_2025 == "Hồ Chí Minh"


def test_management_command(db, capsys):
    call_command("import_national_results", "--sample")
    assert NationalResult.objects.filter(year=2024, rank=1).get().province == "Hải Phòng"
