"""Error pages in the site's layout and language, with a way back (DEBUG=False)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_404_in_the_layout_with_a_way_home(client, settings):
    settings.DEBUG = False
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Không tìm thấy trang" in html and 'class="brand"' in html
    assert 'href="/"' in html or "Về trang chủ" in html


def test_404_in_english(client, settings):
    settings.DEBUG = False
    client.cookies["django_language"] = "en"
    html = client.get("/khong-co-trang-nay/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Page not found" in html and "Back to the home page" in html


@pytest.mark.parametrize(
    ("view", "exc", "status", "text"),
    [
        (defaults.bad_request, SuspiciousOperation(), 400, "Yêu cầu không hợp lệ"),
        (defaults.permission_denied, PermissionDenied(), 403, "Không có quyền truy cập"),
    ],
)
def test_400_and_403_use_the_site_templates(rf, settings, view, exc, status, text):
    settings.DEBUG = False
    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.utils import translation

    request.user = AnonymousUser()
    with translation.override("vi"):
        response = view(request, exc)
    html = response.content.decode()
    assert response.status_code == status and text in html and "Về trang chủ" in html


def test_500_needs_neither_the_request_context_nor_the_database(settings, django_db_blocker):
    settings.DEBUG = False
    request = RequestFactory().get("/")  # no user, no session, no middleware
    from django.utils import translation

    with django_db_blocker.block(), translation.override("vi"):
        response = defaults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "Lỗi hệ thống" in html and 'href="/"' in html and "css/app.css" in html
