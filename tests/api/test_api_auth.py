"""Bearer-token authentication: every failure is a 401 in the error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_helpers import BASE, assert_error
from django.test import Client
from django.utils import timezone
from factories import make_user

from parindex.api.models import ApiToken
from parindex.api.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


def _unauthorized(response) -> str:
    error = assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")
    return error["message"]


def test_a_request_without_a_token_is_refused():
    _unauthorized(Client().get(BASE + "/cycles"))


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer pxi_wrong", "Basic dXNlcjpwYXNz", "Token abc", "pxi_x"],
)
def test_a_wrong_token_is_refused(header):
    api_token_create(user=make_user(), name="x")
    _unauthorized(Client().get(BASE + "/cycles", headers={"Authorization": header}))


def test_a_revoked_token_is_refused(api_client):
    user = make_user()
    created = api_token_create(user=user, name="x")
    api_token_revoke(token=created.token, user=user)
    assert "thu hồi" in _unauthorized(api_client(created.key).get("/cycles"))


def test_an_expired_token_is_refused(api_client):
    created = api_token_create(user=make_user(), name="x", days=1)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "hết hạn" in _unauthorized(api_client(created.key).get("/cycles"))


def test_the_token_of_an_inactive_user_is_refused(api_client):
    user = make_user()
    created = api_token_create(user=user, name="x")
    user.is_active = False
    user.save()
    _unauthorized(api_client(created.key).get("/cycles"))


def test_a_session_cookie_does_not_authenticate_the_api():
    client = Client()
    client.force_login(make_user("admin"))
    _unauthorized(client.get(BASE + "/cycles"))


def test_a_valid_token_authenticates_and_records_its_use(api_client):
    created = api_token_create(user=make_user(), name="x")
    assert created.token.last_used_at is None
    assert api_client(created.key).get("/cycles").status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(api_client, django_assert_max_num_queries):
    created = api_token_create(user=make_user(), name="x")
    client = api_client(created.key)
    client.get("/methodologies")
    first = ApiToken.objects.get().last_used_at
    client.get("/methodologies")
    assert ApiToken.objects.get().last_used_at == first
