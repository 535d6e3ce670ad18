"""The shared fixture `small_cycle` and the helpers in tests/factories.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from factories import PASSWORD, make_unit, make_user

from parindex.accounts.models import Role
from parindex.assessment import selectors as sel
from parindex.assessment import services as svc

pytestmark = pytest.mark.django_db


def test_small_cycle_gives_each_role_its_rights(small_cycle):
    p, users = small_cycle.p_department, small_cycle.users
    assert sel.access(users["officer"], p).can(sel.EDIT_SELF)
    assert sel.access(users["leader"], p).can(sel.SUBMIT)
    assert sel.access(users["manager"], p).can(sel.MANAGE)
    assert sel.access(users["appraiser"], p).can(sel.APPRAISE)
    assert sel.access(users["viewer"], p).can(sel.VIEW)
    lead = sel.access(users["lead_agency"], p)
    assert lead.covers("1.1.1") and not lead.covers("2.1.1")
    assert not sel.access(users["outsider"], p).can(sel.VIEW)
    assert not sel.access(users["commune_officer"], p).can(sel.VIEW)


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
