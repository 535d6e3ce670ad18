"""Authentication hardening: Argon2, lockout after repeated failures, CSP, cookies."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user("argon", password="mot-mat-khau-dai")
    assert user.password.startswith("argon2$")
    assert user.check_password("mot-mat-khau-dai")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_is_locked_after_repeated_failures():
    User.objects.create_user("canbo", password="dung-mat-khau-2025")
    client = Client()
    url = reverse("login")
    for _ in range(3):
        response = client.post(url, {"username": "canbo", "password": "sai"})
    assert response.status_code == 429
    assert "tạm khóa" in response.content.decode()
    # Even the right password is refused while locked out.
    response = client.post(url, {"username": "canbo", "password": "dung-mat-khau-2025"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_then_logout():
    User.objects.create_user("lanhdao", password="dung-mat-khau-2025")
    client = Client()
    response = client.post(
        reverse("login"), {"username": "lanhdao", "password": "dung-mat-khau-2025"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_script_tags_carry_the_request_nonce(client):
    response = client.get(reverse("login"))
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert html.count("<script") == html.count(f'nonce="{nonce}"')


def test_csrf_is_enforced_on_login():
    User.objects.create_user("csrf", password="dung-mat-khau-2025")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "csrf", "password": "dung-mat-khau-2025"})
    assert response.status_code == 403


def test_session_cookie_is_http_only_and_expires(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_interface_is_vietnamese_by_default_and_english_on_request(client):
    response = client.get(reverse("login"))
    assert 'lang="vi"' in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert 'lang="en"' in response.content.decode()


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="vi"' in response.content.decode()
