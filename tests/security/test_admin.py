"""Django's admin: the superuser only, every model read-only (services own the writes)."""

from __future__ import annotations

import pytest
from django.test import Client
from factories import make_unit, make_user

from parindex.accounts.models import OrgUnit, Role
from parindex.web.admin_site import site


@pytest.fixture
def people(db, settings):
    settings.AXES_ENABLED = False
    snv = make_unit("AD-SNV", "Sở Nội vụ thử")
    return {
        "superuser": make_user(Role.ADMIN, username="ad_root"),
        "manager": make_user(Role.MANAGER, snv, username="ad_ql", is_staff=True),
        "officer": make_user(Role.OFFICER, snv, username="ad_cb"),
    }


def _client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_only_the_superuser_gets_in(people):
    assert _client(people["superuser"]).get("/quan-tri/").status_code == 200
    for who in ("manager", "officer"):
        response = _client(people[who]).get("/quan-tri/")
        assert response.status_code == 302 and "/quan-tri/login/" in response["Location"]
    assert _client().get("/quan-tri/").status_code == 302


def test_every_model_is_there_and_read_only(people):
    root = _client(people["superuser"])
    unit = OrgUnit.objects.get(code="AD-SNV")
    listing = root.get("/quan-tri/accounts/orgunit/")
    assert listing.status_code == 200 and "AD-SNV" in listing.content.decode()
    assert root.get(f"/quan-tri/accounts/orgunit/{unit.pk}/change/").status_code == 200
    assert root.get("/quan-tri/accounts/orgunit/add/").status_code == 403
    assert root.get(f"/quan-tri/accounts/orgunit/{unit.pk}/delete/").status_code == 403
    before = unit.name
    root.post(f"/quan-tri/accounts/orgunit/{unit.pk}/change/", {"name": "Đổi tên", "code": "X"})
    unit.refresh_from_db()
    assert unit.name == before
    names = {m._meta.label for m in site._registry}
    for label in ("assessment.Cycle", "assessment.Entry", "audit.LogEntry", "accounts.Membership"):
        assert label in names
    for model_admin in site._registry.values():
        assert not model_admin.has_add_permission(root)  # type: ignore[arg-type]
