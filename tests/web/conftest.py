"""Fixtures for the web tests. Names are prefixed by area (`self_`: the unit's
self-assessment pages) so several areas can share this file without clashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation

SMALL_YAML = Path(__file__).resolve().parents[1] / "data" / "small.yaml"


def _user(username: str, role: str, unit: OrgUnit, **extra) -> User:
    user = User.objects.create_user(username, first_name=username)
    Membership.objects.create(user=user, role=role, unit=unit, **extra)
    return user


@pytest.fixture
def self_world(db):
    """An organiser (Sở Nội vụ), two departments (A assessed, B another unit), an open cycle
    on tests/data/small.yaml and the cast: officer, leader, manager, lead agency, outsider."""
    province = OrgUnit.objects.create(code="T", name="Tỉnh Thử", type=OrgUnit.Type.PROVINCE)
    snv = OrgUnit.objects.create(
        code="SNV", name="Sở Nội vụ", type=OrgUnit.Type.DEPARTMENT, parent=province
    )
    unit_a = OrgUnit.objects.create(
        code="STP", name="Sở Tư pháp", type=OrgUnit.Type.DEPARTMENT, parent=province
    )
    unit_b = OrgUnit.objects.create(
        code="SYT", name="Sở Y tế", type=OrgUnit.Type.DEPARTMENT, parent=province
    )
    lead = OrgUnit.objects.create(
        code="SKH", name="Sở Kế hoạch", type=OrgUnit.Type.DEPARTMENT, parent=province
    )
    mv = services.methodology_install(source=SMALL_YAML.read_text(encoding="utf-8"))
    cycle = services.cycle_create(
        name="Chỉ số CCHC 2025", year=2025, methodology=mv, organiser=snv, units=[unit_a, unit_b]
    )
    Cycle.objects.filter(pk=cycle.pk).update(state=Cycle.State.OPEN)
    cycle.refresh_from_db()
    users = {
        "officer": _user("canbo_a", Role.OFFICER, unit_a),
        "leader": _user("lanhdao_a", Role.LEADER, unit_a),
        "manager": _user("quanly", Role.MANAGER, snv),
        "lead_agency": _user("chutri", Role.LEAD_AGENCY, lead, target=unit_a, codes=["1.1"]),
        "other": _user("canbo_b", Role.OFFICER, unit_b),
        "appraiser": _user("thamdinh", Role.APPRAISER, snv),
    }
    return {
        "cycle": cycle,
        "unit_a": unit_a,
        "unit_b": unit_b,
        "p": Participation.objects.get(cycle=cycle, unit=unit_a),
        "p_b": Participation.objects.get(cycle=cycle, unit=unit_b),
        **users,
    }


@pytest.fixture
def self_login():
    """self_login(user) -> a test client logged in as `user`."""

    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


# The organiser's and council's cast (tests/ap_cast.py), for test_cycle_views and
# test_appraisal_views.
from ap_cast import ap_world  # noqa: E402, F401
