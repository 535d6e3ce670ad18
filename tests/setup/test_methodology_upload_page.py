"""The set-up area's methodology upload with the Excel template: a valid workbook installs
the methodology; an invalid one shows the validator's messages (file, row, column, code) on
the page and installs nothing."""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from factories import make_unit, make_user
from openpyxl import load_workbook

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import MethodologyVersion
from parindex.audit.models import LogEntry
from parindex.files.methodology import read_methodology
from parindex.files.methodology_xlsx import NODES_SHEET, write_methodology_xlsx

pytestmark = pytest.mark.django_db

SMALL = Path(__file__).parent.parent / "data" / "small.yaml"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def manager():
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    return make_user(Role.MANAGER, make_unit("P-SNV", "Sở Nội vụ tỉnh Thử", parent=province))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _workbook(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    write_methodology_xlsx(read_methodology(SMALL), path)
    return path


def _row_of(ws, code: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == code)


def _col_of(ws, key: str) -> int:
    return next(
        c for c in range(1, ws.max_column + 1) if str(ws.cell(1, c).value).endswith(f"({key})")
    )


def _upload(client: Client, path: Path):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=XLSX)
    return client.post(reverse("setup_methodology_upload"), {"file": upload})


def test_the_upload_page_offers_the_file_field(manager):
    page = _client(manager).get(reverse("setup_methodology_upload")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page


def test_a_valid_workbook_installs_the_methodology(manager, tmp_path):
    tree = read_methodology(SMALL)
    client = _client(manager)
    response = _upload(client, _workbook(tmp_path, "bo-tieu-chi.xlsx"))
    mv = MethodologyVersion.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("methodology_detail", args=[mv.pk])
    assert (mv.code, mv.version, mv.name) == (tree.code, tree.version, tree.name)
    assert read_methodology(SMALL) == mv.tree  # the same tree as the YAML it was made from
    row = LogEntry.objects.get(action="methodology.installed")
    assert row.actor == manager and row.code == tree.code
    page = client.get(response["Location"]).content.decode()
    assert "Đã cài đặt bộ tiêu chí" in unescape(page)
    assert tree.name in unescape(page)


def test_an_invalid_workbook_shows_row_and_field_messages_and_saves_nothing(manager, tmp_path):
    path = _workbook(tmp_path, "sai.xlsx")
    wb = load_workbook(path)
    ws = wb[NODES_SHEET]
    bands_row, params_row = _row_of(ws, "1.1.2"), _row_of(ws, "2.1.1")
    bands_col, params_col = _col_of(ws, "bands"), _col_of(ws, "params")
    ws.cell(bands_row, bands_col).value = "[100..100]=1; [80..100)=nửa; [0..80)=0"
    ws.cell(params_row, params_col).value = "full_at=abc"
    bands_name, params_name = ws.cell(1, bands_col).value, ws.cell(1, params_col).value
    wb.save(path)
    before = LogEntry.objects.count()
    response = _upload(_client(manager), path)
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Tệp chưa hợp lệ, không cài đặt" in page
    issues = response.context["issues"]
    assert len(issues) == 2
    for row, column, code in ((bands_row, bands_name, "1.1.2"), (params_row, params_name, "2.1.1")):
        where = f"sai.xlsx, dòng {row}, cột {column}, mã {code}: "
        (message,) = [i for i in issues if i.startswith(where)]
        assert f"<li>{message}</li>" in page
    assert not MethodologyVersion.objects.exists()
    assert LogEntry.objects.count() == before


def test_a_file_that_is_not_a_workbook_is_refused_on_the_page(manager):
    upload = SimpleUploadedFile("bo-tieu-chi.xlsx", b"not a workbook", content_type=XLSX)
    response = _client(manager).post(reverse("setup_methodology_upload"), {"file": upload})
    assert response.status_code == 200
    assert response.context["issues"]
    assert "Tệp chưa hợp lệ" in unescape(response.content.decode())
    assert not MethodologyVersion.objects.exists()


def test_only_organisers_upload(manager, tmp_path):
    officer = make_user(Role.OFFICER, manager.memberships.get().unit)
    response = _upload(_client(officer), _workbook(tmp_path, "bo-tieu-chi.xlsx"))
    assert response.status_code == 403
    assert not MethodologyVersion.objects.exists()
