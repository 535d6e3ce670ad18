"""The cast of the organiser's and council's page tests (tests/web/test_cycle_views.py and
test_appraisal_views.py): `ap_world` and the helpers that drive it through the services."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import services
from parindex.assessment.models import Cycle, Participation

SMALL_YAML = Path(__file__).resolve().parent / "data" / "small.yaml"
State = Cycle.State

# What a department fills in on tests/data/small.yaml, and the points it gets (5 of 8).
AP_VALUES = {"1.1.1": "đúng hạn", "1.1.2": "100", "1.2.1": "có", "1.2.2": "0,5", "2.1.1": "75"}


def ap_user(username: str, role: str, unit: OrgUnit | None, **extra) -> User:
    user = User.objects.create_user(username, first_name=username.capitalize())
    Membership.objects.create(user=user, role=role, unit=unit, **extra)
    return user


@pytest.fixture
def ap_world(db):
    """Sở Nội vụ organises a cycle on small.yaml for two departments (A, B); a third cycle
    of another organiser is invisible to this cast. Users: manager, appraiser (all items),
    appraiser_2 (field 2 only), officer/leader/viewer of A, lead agency for A (1.1), officer
    of B (other), outsider (a unit in no cycle)."""
    province = OrgUnit.objects.create(code="T", name="Tỉnh Thử", type="province")
    snv = OrgUnit.objects.create(code="SNV", name="Sở Nội vụ", type="department", parent=province)
    a = OrgUnit.objects.create(code="STP", name="Sở Tư pháp", type="department", parent=province)
    b = OrgUnit.objects.create(code="SYT", name="Sở Y tế", type="department", parent=province)
    lead = OrgUnit.objects.create(code="SKH", name="Sở Kế hoạch", type="department")
    lone = OrgUnit.objects.create(code="XYZ", name="Đơn vị ngoài", type="department")
    mv = services.methodology_install(source=SMALL_YAML.read_text(encoding="utf-8"))
    cycle = services.cycle_create(
        name="Chỉ số CCHC 2025", year=2025, methodology=mv, organiser=snv, units=[a, b]
    )
    users = {
        "manager": ap_user("quanly", Role.MANAGER, snv),
        "appraiser": ap_user("thamdinh", Role.APPRAISER, snv),
        "appraiser_2": ap_user("thamdinh2", Role.APPRAISER, snv, codes=["2"]),
        "officer": ap_user("canbo_a", Role.OFFICER, a),
        "leader": ap_user("lanhdao_a", Role.LEADER, a),
        "viewer": ap_user("xem_a", Role.VIEWER, a),
        "lead_agency": ap_user("chutri", Role.LEAD_AGENCY, lead, target=a, codes=["1.1"]),
        "other": ap_user("canbo_b", Role.OFFICER, b),
        "leader_b": ap_user("lanhdao_b", Role.LEADER, b),
        "outsider": ap_user("ngoai", Role.OFFICER, lone),
    }
    return {
        "cycle": cycle,
        "a": a,
        "b": b,
        "p": Participation.objects.get(cycle=cycle, unit=a),
        "p_b": Participation.objects.get(cycle=cycle, unit=b),
        **users,
    }


def ap_state(cycle: Cycle, state: str, **dates) -> Cycle:
    Cycle.objects.filter(pk=cycle.pk).update(state=state, **dates)
    cycle.refresh_from_db()
    return cycle


def ap_fill(world, p: Participation, values=None, submit=True) -> None:
    """The unit's leader enters `values` (default AP_VALUES) and submits."""
    ap_state(world["cycle"], State.OPEN)
    p.refresh_from_db()
    leader = world["leader"] if p.unit == world["a"] else world["leader_b"]
    for code, value in (values or AP_VALUES).items():
        services.entry_save_self(participation=p, code=code, value=value, user=leader)
    if submit:
        services.participation_submit(participation=p, user=leader)


def ap_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
