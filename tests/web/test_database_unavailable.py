"""A database out of reach answers the site's 503 page (template 503.html, Retry-After, no
traceback), in the user's language; any other failure keeps the 500 page. The end-to-end
case, a real server with PostgreSQL cut and restored, is test_faults_database.py."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from parindex.web.errors import server_error


@pytest.fixture
def failing_sessions(settings):
    """Every request with a session cookie fails to read it from the database."""
    settings.DEBUG = False
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.load",
        side_effect=OperationalError("connection to server at 127.0.0.1 failed"),
    ):
        yield


def test_a_page_while_the_database_is_down_is_the_503_page(failing_sessions):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert "Hệ thống tạm thời gián đoạn" in html and "phiên đăng nhập vẫn giữ nguyên" in html
    assert "Traceback" not in html and "OperationalError" not in html
    client.cookies["django_language"] = "en"
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Service temporarily unavailable" in english


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (OperationalError("server closed the connection unexpectedly"), 503),
        (InterfaceError("connection already closed"), 503),
        (RuntimeError("a bug"), 500),
    ],
)
def test_only_database_errors_answer_503(rf, settings, exc, status):
    settings.DEBUG = False
    try:
        raise exc
    except (OperationalError, InterfaceError, RuntimeError):  # as Django: handler500 in the except
        response = server_error(rf.get("/"))
    assert response.status_code == status


def test_a_database_error_wrapped_in_another_is_still_503(rf, settings):
    settings.DEBUG = False
    try:
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError as exc:
            raise RuntimeError("while rendering") from exc
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
