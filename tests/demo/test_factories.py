"""The shared fixture `small_cycle` and the helpers in tests/factories.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from factories import PASSWORD, make_unit, make_user

from parindex.accounts.models import Role
from parindex.assessment import permissions as perm
from parindex.assessment import services as svc

pytestmark = pytest.mark.django_db


def test_small_cycle_gives_each_role_its_rights(small_cycle):
    p, users = small_cycle.p_department, small_cycle.users
    assert perm.access(users["officer"], p).can(perm.EDIT_SELF)
    assert perm.access(users["leader"], p).can(perm.SUBMIT)
    assert perm.access(users["manager"], p).can(perm.MANAGE)
    assert perm.access(users["appraiser"], p).can(perm.APPRAISE)
    assert perm.access(users["viewer"], p).can(perm.VIEW)
    lead = perm.access(users["lead_agency"], p)
    assert lead.covers("1.1.1") and not lead.covers("2.1.1")
    assert not perm.access(users["outsider"], p).can(perm.VIEW)
    assert not perm.access(users["commune_officer"], p).can(perm.VIEW)


def test_small_cycle_accepts_self_assessment_now(small_cycle):
    entry = svc.entry_save_self(
        participation=small_cycle.p_commune,
        code="2.1.2",
        value="có",
        user=small_cycle.users["commune_officer"],
    )
    assert entry.self_points == 2


def test_made_users_log_in_with_the_test_password():
    user = make_user(Role.OFFICER, make_unit())
    request = RequestFactory().post("/dang-nhap/")
    assert authenticate(request, username=user.username, password=PASSWORD) == user
    assert user.password.startswith("md5$")
