"""The set-up area's methodology upload with an appendix table (.docx): the methodology is
installed and the page shows the import report; a table whose maxima disagree shows the rows
and installs nothing."""

from __future__ import annotations

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx_tables import PROVINCE, write_docx
from factories import make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.assessment.models import MethodologyVersion
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def client():
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    manager = make_user(Role.MANAGER, make_unit("P-SNV", "Sở Nội vụ tỉnh Thử", parent=province))
    c = Client()
    c.force_login(manager)
    c.manager = manager
    return c


def _post(client: Client, path, mapping: str = ""):
    upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type=DOCX)
    return client.post(reverse("setup_methodology_upload"), {"file": upload, "mapping": mapping})


def test_a_docx_table_is_installed_and_its_report_shown(client, tmp_path):
    response = _post(client, write_docx(tmp_path / "phu-luc-2025.docx", PROVINCE))
    assert response.status_code == 200
    mv = MethodologyVersion.objects.get()
    assert (mv.code, mv.version, mv.status) == ("phu-luc-2025", "2025", "draft")
    leaves = ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.1.2"]
    assert [n.code for n in mv.tree.leaves] == leaves
    assert LogEntry.objects.get(action="methodology.installed").actor == client.manager
    page = unescape(response.content.decode())
    assert "Đã cài đặt bộ tiêu chí" in page
    assert "2 lĩnh vực, 3 tiêu chí, 6 mục chấm điểm, tổng 5,50 điểm." in page
    assert "dòng 3: A. ĐIỂM ĐÁNH GIÁ, THẨM ĐỊNH" in page
    assert "<td>1.1.1</td><td>Ban hành kế hoạch đúng hạn</td><td>6</td><td>1,00</td>" in page
    assert reverse("methodology_detail", args=[mv.pk]) in page


def test_a_docx_table_with_a_wrong_maximum_installs_nothing(client, tmp_path):
    rows = [list(r) for r in PROVINCE]
    rows[9][2] = "2"
    before = LogEntry.objects.count()
    response = _post(client, write_docx(tmp_path / "sai.docx", rows))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Tệp chưa hợp lệ, không cài đặt" in page
    assert "sai.docx (bảng 1), dòng 10, cột Điểm tối đa, mã 1.2: điểm tối đa 2,00" in page
    assert not MethodologyVersion.objects.exists()
    assert LogEntry.objects.count() == before


def test_the_mapping_field_overrides_the_columns(client, tmp_path):
    response = _post(client, write_docx(tmp_path / "a.docx", PROVINCE), mapping="max=9")
    assert "a.docx: cách đọc cột: max=9: bảng chỉ có 4 cột" in response.context["issues"]
    assert not MethodologyVersion.objects.exists()
