"""Set-up pages: forms show the services' refusals on their field; a new account's one-time
link sets its password and signs it in (once); "Quên mật khẩu?" for everyone."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from factories import make_unit, make_user

from parindex.accounts.models import OrgUnit, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(settings):
    settings.AXES_ENABLED = False
    province = make_unit("P", "Tỉnh Thử", OrgUnit.Type.PROVINCE)
    snv = make_unit("P-SNV", "Sở Nội vụ tỉnh Thử", parent=province)
    return make_user(Role.MANAGER, snv)


def _client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _link(body: str) -> str:
    found = re.search(r"https?://[^/\s]+(/dat-mat-khau/\S+/)", body)
    assert found, body
    return found.group(1)


def test_menu_and_home(manager):
    c = _client(manager)
    home = c.get(reverse("home")).content.decode()
    assert reverse("setup_home") in home
    page = c.get(reverse("setup_home")).content.decode()
    assert "Tỉnh Thử" in page and "Sở Nội vụ tỉnh Thử" in page
    officer = make_user(Role.OFFICER, manager.memberships.get().unit)
    assert reverse("setup_home") not in _client(officer).get(reverse("home")).content.decode()


def test_unit_form_errors_on_the_field(manager):
    c = _client(manager)
    r = c.post(
        reverse("setup_unit_new"),
        {
            "code": "P-SNV",
            "name": "Trùng",
            "type": "department",
            "parent": manager.memberships.get().unit.parent_id,
        },
    )
    assert r.status_code == 200
    assert "Mã đơn vị “P-SNV” đã có." in r.context["form"].errors["code"][0]


def test_new_account_link_sets_the_password_and_signs_in(
    manager, django_capture_on_commit_callbacks
):
    c = _client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            reverse("setup_account_new"),
            {"username": "nv.moi", "full_name": "Nguyễn Văn Mới", "email": "moi@example.vn"},
        )
    assert r.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["moi@example.vn"]
    link = _link(mail.outbox[0].body)
    anon = Client()
    r = anon.get(link)  # Django moves the token into the session and redirects
    assert r.status_code == 302
    form_url = r.headers["Location"]
    r = anon.post(
        form_url,
        {"new_password1": "Mat-khau-rat-kho-2025", "new_password2": "Mat-khau-rat-kho-2025"},
    )
    assert r.status_code == 302 and r.headers["Location"] == reverse("password_reset_complete")
    account = User.objects.get(username="nv.moi")
    assert account.check_password("Mat-khau-rat-kho-2025")
    assert anon.get(reverse("home")).context["user"].username == "nv.moi"  # signed in
    # the link works once
    again = Client().get(link, follow=True)
    assert "không còn dùng được" in again.content.decode()


def test_forgotten_password(manager):
    manager.email = "snv@example.vn"
    manager.save()
    login = Client().get(reverse("login")).content.decode()
    assert reverse("password_reset") in login and "Quên mật khẩu?" in login
    r = Client().post(reverse("password_reset"), {"email": "snv@example.vn"})
    assert r.status_code == 302
    assert len(mail.outbox) == 1
    assert "/dat-mat-khau/" in mail.outbox[0].body


def test_workbook_page_reports_rows(manager):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parindex.setup.workbook import UNITS, workbook_bytes

    data = workbook_bytes(
        {UNITS: [("X1", "Một", "other", "P", ""), ("X1", "Hai", "other", "P", "")]}
    )
    r = _client(manager).post(
        reverse("setup_workbook"), {"file": SimpleUploadedFile("t.xlsx", data)}
    )
    assert r.status_code == 200
    assert "Đơn vị, dòng 3, cột Mã: mã “X1” trùng với dòng 2." in r.content.decode()
    assert not OrgUnit.objects.filter(code="X1").exists()
    download = _client(manager).get(reverse("setup_workbook_download"))
    assert download.status_code == 200 and download.content[:2] == b"PK"


def test_role_removed_in_place_with_htmx(manager):
    officer = make_user(Role.OFFICER, manager.memberships.get().unit)
    m = officer.memberships.get()
    c = _client(manager)
    page = c.get(reverse("setup_account", args=[officer.pk])).content.decode()
    assert f'hx-post="{reverse("setup_role_remove", args=[m.pk])}"' in page
    r = c.post(reverse("setup_role_remove", args=[m.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.content == b""
    assert not officer.memberships.exists()
