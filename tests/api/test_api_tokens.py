"""API tokens: services, the create_api_token command and the "API keys" page."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from factories import make_user

from parindex.api.models import ApiToken
from parindex.api.services import api_token_create, api_token_revoke
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError

pytestmark = pytest.mark.django_db


def test_it_stores_only_the_hash_and_a_visible_prefix():
    user = make_user()
    created = api_token_create(user=user, name="Một cửa", days=30)
    token = ApiToken.objects.get()
    assert created.key.startswith("pxi_") and len(created.key) > 40
    assert token.key_hash == hashlib.sha256(created.key.encode()).hexdigest()
    assert created.key not in {token.prefix, token.key_hash, token.name}
    assert created.key.startswith(token.prefix) and len(token.prefix) == 12
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert token.active


def test_it_audits_creation_and_revocation_without_the_secret():
    user = make_user()
    created = api_token_create(user=user, name="Báo cáo")
    api_token_revoke(token=created.token, user=user)
    actions = list(LogEntry.objects.order_by("pk").values_list("action", "actor", "data"))
    assert [a[:2] for a in actions] == [
        ("api_token.created", user.pk),
        ("api_token.revoked", user.pk),
    ]
    assert all(created.key not in str(a[2]) for a in actions)
    token = ApiToken.objects.get()
    assert token.revoked and token.revoked_at is not None and not token.active


def test_revoking_twice_is_harmless():
    user = make_user()
    created = api_token_create(user=user, name="x")
    api_token_revoke(token=created.token, user=user)
    api_token_revoke(token=created.token, user=user)
    assert LogEntry.objects.filter(action="api_token.revoked").count() == 1


def test_only_the_owner_or_an_admin_revokes():
    owner, other, admin = make_user(), make_user("officer"), make_user("admin")
    created = api_token_create(user=owner, name="x")
    with pytest.raises(ServiceError):
        api_token_revoke(token=created.token, user=other)
    api_token_revoke(token=created.token, user=admin)
    assert ApiToken.objects.get().revoked


@pytest.mark.parametrize(
    ("name", "days"), [("", None), ("   ", 30), ("x" * 101, None), ("ok", 0), ("ok", 4000)]
)
def test_it_refuses_bad_names_and_lifetimes(name, days):
    with pytest.raises(ServiceError):
        api_token_create(user=make_user(), name=name, days=days)
    assert not ApiToken.objects.exists()


def test_the_command_prints_a_working_token(api_client):
    user = make_user(username="tichhop")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token",
        "tichhop",
        "--name",
        "Kho dữ liệu",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=user)
    assert token.name == "Kho dữ liệu" and key.startswith(token.prefix)
    assert "chỉ hiện một lần" in err.getvalue()
    assert api_client(key).get("/cycles").status_code == 200


def test_the_command_refuses_an_unknown_user():
    with pytest.raises(CommandError):
        call_command("create_api_token", "khong-co", "--name", "x", stdout=io.StringIO())


# --- the page --------------------------------------------------------------------------------


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_needs_a_login():
    response = Client().get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_creates_a_token_and_shows_it_once():
    user = make_user("officer")
    client = _page_client(user)
    response = client.post(reverse("api_tokens"), {"name": "Một cửa", "days": "90"})
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'id="api-new-token">(pxi_[^<]+)<', html).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    again = client.get(reverse("api_tokens")).content.decode()
    assert key not in again and token.prefix in again and "Một cửa" in again


def test_the_page_refuses_an_empty_name():
    user = make_user()
    response = _page_client(user).post(reverse("api_tokens"), {"name": "", "days": ""})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_page_revokes_own_tokens_only():
    owner, other = make_user(), make_user()
    mine = api_token_create(user=owner, name="của tôi").token
    theirs = api_token_create(user=other, name="của người khác").token
    client = _page_client(owner)
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api_token_revoke", args=[mine.pk])).status_code == 405
    response = client.post(reverse("api_token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked and not theirs.revoked


def test_the_page_keeps_csrf_and_the_csp_rules():
    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("api_tokens"), {"name": "x"}).status_code == 403
    api_token_create(user=user, name="x")
    html = client.get(reverse("api_tokens")).content.decode()
    assert 'style="' not in html and " onclick=" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert "Khóa API" in html
