"""The test cast (tests/cast.py): its units and users, cycles in every state driven through
the services, and its clients."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cast import STATES, USERS
from django.urls import reverse

from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry

State = Cycle.State


def test_one_user_per_role_with_its_rights(cast):
    cycle = cast.cycle(units=("a", "b", "commune"))
    p = cast.part(cycle, "a")
    assert set(cast.users) == set(USERS)
    assert perm.access(cast.officer, p).can(perm.EDIT_SELF)
    assert perm.access(cast.leader, p).can(perm.SUBMIT)
    assert perm.access(cast.manager, p).can(perm.MANAGE)
    assert perm.access(cast.appraiser, p).can(perm.APPRAISE)
    assert perm.access(cast.viewer, p).can(perm.VIEW)
    lead = perm.access(cast.lead_agency, p)
    assert lead.covers("1.1.1") and not lead.covers("1.2.1")
    assert not perm.access(cast.appraiser_2, p).covers("1.1.1")
    assert not perm.access(cast.appraiser_a, cast.part(cycle, "b")).can(perm.VIEW)
    for outsider in ("outsider", "other_manager", "officer_b", "commune_officer"):
        assert not perm.access(cast.users[outsider], p).can(perm.VIEW), outsider


@pytest.mark.parametrize("state", STATES)
def test_a_cycle_in_any_state_through_the_services(cast, state):
    cycle = cast.cycle(state, filled=True, units=("a", "commune"))
    assert cycle.state == state
    moves = LogEntry.objects.filter(action="cycle.state_changed").count()
    assert moves == STATES.index(state)
    parts = cast.participations(cycle)
    if state == State.DRAFT:
        assert not Entry.objects.filter(participation__cycle=cycle).exists()
        return
    a, commune = cast.part(cycle, "a"), cast.part(cycle, "commune")
    assert all(p.status == Participation.Status.SUBMITTED for p in parts)
    assert Entry.objects.filter(participation=a).count() == 5
    assert Entry.objects.get(participation=commune, code="2.1.2").self_points == 2
    if state in (State.FINAL, State.PUBLISHED):
        assert Entry.objects.get(participation=a, code="2.1.1").final_points == Decimal("1.5")


def test_appraise_explain_and_log_in(cast):
    cycle = cast.cycle(State.APPRAISAL, filled=True)
    p = cast.part(cycle, "a")
    cast.appraise(p, "1.1.2", "0.5", "not_met", "Chưa đủ")
    cycle = cast.advance(cycle, State.EXPLANATION)
    entry = cast.explain(p, "1.1.2", "Đã bổ sung")
    assert entry.appraised_points == Decimal("0.5") and entry.explanation
    url = reverse("cycle_detail", args=[cycle.pk])
    assert cast.client("manager").get(url).status_code == 200
    assert cast.client(cast.manager).get(url).status_code == 200
    assert cast.client(None).get(url).status_code == 302
    assert cast.jump(cycle, State.OPEN).state == State.OPEN


def test_a_shipped_methodology(cast):
    cycle = cast.cycle(units=("a",), methodology="example-province-internal")
    assert cycle.methodology.code != "small"
