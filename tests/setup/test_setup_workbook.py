"""The set-up workbook: good files create everything; bad files give "Sheet, dòng N, cột X"
messages and change nothing; export → import into an empty database → export is equal; a
10,000-row file in reasonable time; the command line."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth.models import User
from django.core import mail
from factories import install_methodology, make_unit, make_user
from openpyxl import Workbook, load_workbook

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.setup import workbook as wbk

pytestmark = pytest.mark.django_db


def book(**sheets: list[list[str]]) -> bytes:
    """A workbook with the template's headers and `sheets` rows (keys: units, accounts,
    appraisal, lead)."""
    names = {
        "units": wbk.UNITS,
        "accounts": wbk.ACCOUNTS,
        "appraisal": wbk.APPRAISAL,
        "lead": wbk.LEAD,
    }
    wb = Workbook()
    wb.remove(wb.active)
    for key, name in names.items():
        ws = wb.create_sheet(name)
        ws.append(list(wbk.COLUMNS[name]))
        for row in sheets.get(key, []):
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = {
    "units": [
        ["T-A", "Tỉnh A", "province", "", ""],
        ["A-SNV", "Sở Nội vụ tỉnh A", "Sở, ban, ngành", "T-A", ""],
        ["A-STC", "Sở Tài chính tỉnh A", "department", "T-A", ""],
        ["A-X1", "Xã Một", "commune", "T-A", "Xã Cũ 1; Xã Cũ 2"],
    ],
    "accounts": [
        ["snv", "Trần Thị Hà", "ha@a.vn", "manager", "A-SNV", "", ""],
        ["tc", "Đỗ Đức Mạnh", "manh@a.vn", "Cán bộ đơn vị", "A-STC", "", ""],
        ["td", "Phạm Văn Tuấn", "tuan@a.vn", "appraiser", "A-SNV", "", ""],
        ["td", "", "", "officer", "A-X1", "", ""],
        ["khong.vai.tro", "Lê Văn Không", "k@a.vn", "", "", "", ""],
    ],
    "appraisal": [["td", "A-X1", "1", ""]],
    "lead": [["A-STC", "T-A", "1.2; 2", ""]],
}


def test_good_workbook_creates_everything(django_capture_on_commit_callbacks):
    install_methodology()
    with django_capture_on_commit_callbacks(execute=True):
        done = wbk.workbook_import(user=None, data=book(**GOOD))
    assert (done.units_created, done.accounts_created) == (4, 4)
    snv = OrgUnit.objects.get(code="A-SNV")
    assert snv.parent.code == "T-A" and snv.type == "department"
    assert OrgUnit.objects.get(code="A-X1").predecessors == "Xã Cũ 1; Xã Cũ 2"
    assert User.objects.get(username="snv").get_full_name() == "Trần Thị Hà"
    assert Membership.objects.filter(user__username="snv", role=Role.MANAGER, unit=snv).exists()
    assert Membership.objects.filter(
        user__username="td", role=Role.APPRAISER, unit=snv, target__code="A-X1", codes=["1"]
    ).exists()
    # the lead agency row without an account goes to the department's staff
    assert Membership.objects.filter(
        user__username="tc", role=Role.LEAD_AGENCY, target__code="T-A", codes=["1.2", "2"]
    ).exists()
    assert len(mail.outbox) == 4
    # importing again changes nothing
    again = wbk.workbook_import(user=None, data=book(**GOOD), send_links=False)
    assert (again.units_created, again.accounts_created, again.roles_added) == (0, 0, 0)


@pytest.mark.parametrize(
    "sheets, expected",
    [
        (
            {"units": [["X", "Một", "province", "", ""], ["X", "Hai", "province", "", ""]]},
            "Đơn vị, dòng 3, cột Mã: mã “X” trùng với dòng 2.",
        ),
        (
            {"units": [["Y", "Y", "province", "KHONG", ""]]},
            "Đơn vị, dòng 2, cột Mã đơn vị cấp trên",
        ),
        (
            {"units": [["A", "A", "other", "B", ""], ["B", "B", "other", "A", ""]]},
            "vòng lặp trong cây đơn vị",
        ),
        ({"units": [["Z", "Z", "thành phố lớn", "", ""]]}, "Đơn vị, dòng 2, cột Loại"),
        (
            {"accounts": [["u1", "Tên A", "sai-email", "", "", "", ""]]},
            "Tài khoản, dòng 2, cột E-mail",
        ),
        (
            {"accounts": [["u1", "Tên A", "a@b.vn", "sếp", "P", "", ""]]},
            "Tài khoản, dòng 2, cột Vai trò: vai trò không hợp lệ",
        ),
        (
            {"accounts": [["u1", "Tên A", "a@b.vn", "officer", "KHONG", "", ""]]},
            "Tài khoản, dòng 2, cột Mã đơn vị: không có đơn vị mã “KHONG”",
        ),
        (
            {"lead": [["P", "P", "9.9", ""]]},
            "Cơ quan chủ trì, dòng 2, cột Mã tiêu chí",
        ),
        (
            {"appraisal": [["khong.co", "P", "1", "P"]]},
            "Phân công thẩm định, dòng 2, cột Tên đăng nhập",
        ),
    ],
)
def test_bad_workbook_changes_nothing(sheets, expected):
    install_methodology()
    make_unit("P", "Tỉnh P", OrgUnit.Type.PROVINCE)
    # one good row in each file: it must not be saved either
    sheets = {
        **sheets,
        "units": [*sheets.get("units", []), ["OK-1", "Đơn vị tốt", "other", "P", ""]],
    }
    before = (OrgUnit.objects.count(), User.objects.count(), Membership.objects.count())
    with pytest.raises(wbk.WorkbookRefused) as e:
        wbk.workbook_import(user=None, data=book(**sheets))
    assert any(expected in msg for msg in e.value.errors), e.value.errors
    assert (OrgUnit.objects.count(), User.objects.count(), Membership.objects.count()) == before


def test_not_a_workbook_and_wrong_headers():
    with pytest.raises(wbk.WorkbookRefused) as e:
        wbk.workbook_import(user=None, data=b"not a workbook")
    assert "xlsx" in e.value.errors[0]
    wb = Workbook()
    wb.active.title = wbk.UNITS
    wb.active.append(["code", "name"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(wbk.WorkbookRefused) as e:
        wbk.workbook_import(user=None, data=out.getvalue())
    assert "Đơn vị, dòng 1" in e.value.errors[0]


def test_manager_imports_only_in_the_province():
    province = make_unit("P", "Tỉnh P", OrgUnit.Type.PROVINCE)
    snv = make_unit("P-SNV", parent=province)
    make_unit("Q", "Tỉnh Q", OrgUnit.Type.PROVINCE)
    manager = make_user(Role.MANAGER, snv)
    with pytest.raises(wbk.WorkbookRefused) as e:
        wbk.workbook_import(
            user=manager,
            data=book(
                units=[
                    ["Q-1", "Sở của Q", "department", "Q", ""],
                    ["TOP", "Mới", "province", "", ""],
                ],
                accounts=[["x1", "Tên X", "x@p.vn", "admin", "", "", ""]],
            ),
        )
    assert len(e.value.errors) == 3, e.value.errors
    done = wbk.workbook_import(
        user=manager,
        data=book(units=[["P-1", "Sở của P", "department", "P", ""]]),
        send_links=False,
    )
    assert done.units_created == 1


def _sheets(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return {name: [tuple(r) for r in wb[name].iter_rows(values_only=True)] for name in wbk.COLUMNS}


def test_round_trip(django_db_serialized_rollback=False):
    install_methodology()
    wbk.workbook_import(user=None, data=book(**GOOD), send_links=False)
    make_user(Role.ADMIN, username="quantri", first_name="Quản", last_name="Trị", email="qt@a.vn")
    first = wbk.workbook_export()
    # an empty database (the methodology stays: codes are checked against it)
    Membership.objects.all().delete()
    User.objects.all().delete()
    OrgUnit.objects.update(parent=None)
    OrgUnit.objects.all().delete()
    wbk.workbook_import(user=None, data=first, send_links=False)
    second = wbk.workbook_export()
    assert _sheets(first) == _sheets(second)
    assert len(_sheets(first)[wbk.ACCOUNTS]) == 7  # header + 6 role rows


def test_ten_thousand_rows_in_reasonable_time():
    rows = [["T", "Tỉnh", "province", "", ""]]
    rows += [[f"X{i:05d}", f"Xã {i}", "commune", "T", ""] for i in range(5000)]
    accounts = [
        [f"cb{i:05d}", f"Cán Bộ {i}", f"cb{i}@t.vn", "officer", f"X{i:05d}", "", ""]
        for i in range(5000)
    ]
    data = book(units=rows, accounts=accounts)
    started = time.monotonic()
    done = wbk.workbook_import(user=None, data=data, send_links=False)
    elapsed = time.monotonic() - started
    assert (done.units_created, done.accounts_created, done.roles_added) == (5001, 5000, 5000)
    assert elapsed < 60, elapsed
    # one bad row among 10,000: nothing saved, the row named
    accounts[4321][2] = "hỏng"
    more = [[f"Y{i:05d}", f"Xã {i}", "commune", "T", ""] for i in range(5000)]
    with pytest.raises(wbk.WorkbookRefused) as e:
        wbk.workbook_import(user=None, data=book(units=more, accounts=accounts))
    assert e.value.errors == [
        "Tài khoản, dòng 4323, cột E-mail: Địa chỉ e-mail không hợp lệ: “hỏng”."
    ]
    assert not OrgUnit.objects.filter(code="Y00001").exists()


def test_cli_import_and_export(tmp_path, capsys):
    from parindex.cli import main

    install_methodology()
    src = tmp_path / "in.xlsx"
    src.write_bytes(book(**GOOD))
    assert main(["setup", "import", str(src), "--no-mail"]) == 0
    assert "4 đơn vị mới" in capsys.readouterr().out
    out = tmp_path / "out.xlsx"
    assert main(["setup", "export", "--out", str(out)]) == 0
    assert _sheets(out.read_bytes())[wbk.UNITS][1][0] == "T-A"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        book(units=[["T-A", "Trùng", "province", "", ""], ["T-A", "x", "other", "", ""]])
    )
    assert main(["setup", "import", str(bad)]) == 1
    assert "Đơn vị, dòng 3, cột Mã" in capsys.readouterr().err


def test_demo_empty(capsys):
    from parindex.assessment import permissions as perm
    from parindex.assessment.models import Cycle, MethodologyVersion
    from parindex.cli import main

    assert main(["demo", "--empty", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "sonoivu" in out and "parindex-demo-2025" in out
    assert OrgUnit.objects.filter(type=OrgUnit.Type.PROVINCE).count() == 34
    assert MethodologyVersion.objects.count() >= 2
    assert not Cycle.objects.exists()
    assert User.objects.count() == 1
    manager = User.objects.get(username="sonoivu")
    assert perm.can_setup(manager, OrgUnit.objects.get(code="T-LAOCAI"))
    assert not OrgUnit.objects.filter(type=OrgUnit.Type.COMMUNE).exists()
