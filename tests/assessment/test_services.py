"""The cycle's services: every state transition, every refusal, and the stage rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from factories import MOVE

from parindex.assessment import lifecycle, services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry

State = Cycle.State
ALL_STATES = [s.value for s in State]


def _fill(world, user_key="officer"):
    p = world.p_department
    user = world.users[user_key]
    for code, value in {
        "1.1.1": "đúng hạn",
        "1.1.2": "100",
        "1.2.1": "có",
        "1.2.2": "0,75",
        "2.1.1": "90",
    }.items():
        services.entry_save_self(participation=p, code=code, value=value, user=user)
    return p


def _to(world, *states):
    for state in states:
        services.cycle_transition(
            **MOVE, cycle=world.cycle, to_state=state, user=world.users["manager"]
        )
        world.cycle.refresh_from_db()


@pytest.mark.parametrize("source", ALL_STATES)
@pytest.mark.parametrize("target", ALL_STATES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(small_cycle, source, target):
    Cycle.objects.filter(pk=small_cycle.cycle.pk).update(state=source)
    cycle = Cycle.objects.get(pk=small_cycle.cycle.pk)
    allowed = lifecycle.may_move(source, target)
    back = lifecycle.may_go_back(source, target)
    before = LogEntry.objects.count()
    if allowed or back:
        services.cycle_transition(
            **MOVE, cycle=cycle, to_state=target, user=small_cycle.users["manager"]
        )
        assert Cycle.objects.get(pk=cycle.pk).state == target
        action = "cycle.state_reverted" if back else "cycle.state_changed"
        assert LogEntry.objects.filter(action=action).count() == 1
    else:
        with pytest.raises(services.ServiceError):
            services.cycle_transition(
                **MOVE, cycle=cycle, to_state=target, user=small_cycle.users["manager"]
            )
        assert Cycle.objects.get(pk=cycle.pk).state == source
        assert LogEntry.objects.count() == before


@pytest.mark.parametrize("who", ["officer", "leader", "appraiser", "viewer", "outsider"])
def test_only_the_organisers_manager_moves_the_cycle(small_cycle, who):
    with pytest.raises(services.ServiceError):
        services.cycle_transition(
            **MOVE, cycle=small_cycle.cycle, to_state=State.SELF_CLOSED, user=small_cycle.users[who]
        )
    assert Cycle.objects.get(pk=small_cycle.cycle.pk).state == State.OPEN


def test_self_assessment_points_come_from_the_engine_and_are_audited(small_cycle):
    p = _fill(small_cycle)
    entry = Entry.objects.get(participation=p, code="1.2.2")
    assert entry.self_points == Decimal("0.7500")
    log = LogEntry.objects.filter(action="entry.self_saved", code="1.2.2").get()
    assert log.data["new"]["points"] == "0.7500"
    assert log.actor == small_cycle.users["officer"]
    result = services.unit_result(p, "self")
    # 1 + 1 + 1 + 0.75 + 1.8 (90 % of 2) = 5.55 of 8 (2.1.2 is for communes only).
    assert result.points == Decimal("5.5500")
    assert result.max_points == Decimal("8.0000")


def test_out_of_range_input_is_refused_and_nothing_is_saved(small_cycle):
    p = small_cycle.p_department
    with pytest.raises(services.ServiceError, match="1.2.2"):
        services.entry_save_self(
            participation=p, code="1.2.2", value="1,5", user=small_cycle.users["officer"]
        )
    assert not Entry.objects.filter(participation=p, code="1.2.2", value__gt="").exists()


def test_a_stale_version_is_a_conflict_that_keeps_the_first_value(small_cycle):
    p = small_cycle.p_department
    first = services.entry_save_self(
        participation=p, code="2.1.1", value="80", user=small_cycle.users["officer"]
    )
    services.entry_save_self(
        participation=p,
        code="2.1.1",
        value="90",
        version=first.version,
        user=small_cycle.users["leader"],
    )
    with pytest.raises(services.Conflict) as caught:
        services.entry_save_self(
            participation=p,
            code="2.1.1",
            value="70",
            version=first.version,
            user=small_cycle.users["officer"],
        )
    assert caught.value.entry.value == "90"
    assert Entry.objects.get(participation=p, code="2.1.1").value == "90"


def test_the_lead_agency_enters_only_its_criteria(small_cycle):
    p = small_cycle.p_department
    lead = small_cycle.users["lead_agency"]
    services.entry_save_self(participation=p, code="1.1.1", value="chậm", user=lead)
    with pytest.raises(services.ServiceError):
        services.entry_save_self(participation=p, code="2.1.1", value="90", user=lead)


def test_submission_is_by_the_leader_then_read_only_and_withdrawable_until_appraisal(
    small_cycle,
):
    p = _fill(small_cycle)
    with pytest.raises(services.ServiceError):
        services.participation_submit(participation=p, user=small_cycle.users["officer"])
    services.participation_submit(participation=p, user=small_cycle.users["leader"])
    p.refresh_from_db()
    assert p.status == Participation.Status.SUBMITTED
    with pytest.raises(services.ServiceError, match="gửi"):
        services.entry_save_self(
            participation=p, code="2.1.1", value="50", user=small_cycle.users["officer"]
        )
    services.participation_withdraw(participation=p, user=small_cycle.users["leader"])
    p.refresh_from_db()
    assert p.status == Participation.Status.DRAFT
    services.participation_submit(participation=p, user=small_cycle.users["leader"])
    _to(small_cycle, State.SELF_CLOSED, State.APPRAISAL)
    p.refresh_from_db()
    with pytest.raises(services.ServiceError, match="thẩm định"):
        services.participation_withdraw(participation=p, user=small_cycle.users["leader"])


def test_the_window_is_enforced_and_a_late_exception_reopens_it_for_one_unit(small_cycle):
    cycle = small_cycle.cycle
    Cycle.objects.filter(pk=cycle.pk).update(self_end=timezone.now() - timedelta(hours=1))
    p = Participation.objects.get(pk=small_cycle.p_department.pk)
    with pytest.raises(services.ServiceError, match="hết hạn"):
        services.entry_save_self(
            participation=p, code="2.1.1", value="90", user=small_cycle.users["officer"]
        )
    with pytest.raises(services.ServiceError):
        services.late_entry_grant(
            participation=p,
            until=timezone.now() + timedelta(days=2),
            reason="Mất điện",
            user=small_cycle.users["officer"],
        )
    services.late_entry_grant(
        participation=p,
        until=timezone.now() + timedelta(days=2),
        reason="Mất điện",
        user=small_cycle.users["manager"],
    )
    p = Participation.objects.get(pk=p.pk)
    services.entry_save_self(
        participation=p, code="2.1.1", value="90", user=small_cycle.users["officer"]
    )
    assert LogEntry.objects.filter(action="participation.late_entry_granted").count() == 1
    other = Participation.objects.get(pk=small_cycle.p_commune.pk)
    with pytest.raises(services.ServiceError, match="hết hạn"):
        services.entry_save_self(
            participation=other,
            code="2.1.1",
            value="90",
            user=small_cycle.users["commune_officer"],
        )


def test_two_appraisal_rounds_explanation_and_final_points(small_cycle):
    p = _fill(small_cycle)
    services.participation_submit(participation=p, user=small_cycle.users["leader"])
    _to(small_cycle, State.SELF_CLOSED, State.APPRAISAL)
    appraiser = small_cycle.users["appraiser"]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    with pytest.raises(services.ServiceError, match="lý do"):
        services.entry_appraise(entry=entry, points=Decimal("0.5"), user=appraiser)
    with pytest.raises(services.ServiceError, match="ngoài khoảng"):
        services.entry_appraise(entry=entry, points=Decimal("2"), reason="other", user=appraiser)
    with pytest.raises(services.ServiceError):
        services.entry_appraise(
            entry=entry,
            points=Decimal("0.5"),
            reason="not_met",
            user=small_cycle.users["appraiser_2"],  # assigned field 2 only
        )
    services.entry_appraise(
        entry=entry,
        points=Decimal("0"),
        reason="evidence_missing",
        comment="Thiếu báo cáo",
        user=appraiser,
    )
    accepted = Entry.objects.get(participation=p, code="1.2.1")
    services.entry_appraise(entry=accepted, points=None, user=appraiser)
    entry.refresh_from_db()
    assert entry.r1_points == Decimal("0") and entry.disputed
    assert services.unit_result(p, "r1").points == Decimal("4.5500")

    with pytest.raises(services.ServiceError, match="giải trình"):
        services.entry_explain(entry=entry, text="...", user=small_cycle.users["officer"])
    _to(small_cycle, State.EXPLANATION)
    with pytest.raises(services.ServiceError):
        services.entry_explain(entry=accepted, text="...", user=small_cycle.users["officer"])
    services.entry_explain(
        entry=entry, text="Đã bổ sung báo cáo số 12/BC-UBND.", user=small_cycle.users["officer"]
    )
    with pytest.raises(services.ServiceError):
        services.entry_appraise(entry=entry, points=Decimal("1"), user=appraiser)

    _to(small_cycle, State.APPRAISAL_2)
    entry.refresh_from_db()
    # Giving the points back after an accepted explanation needs no reason.
    services.entry_appraise(entry=entry, points=Decimal("1"), user=appraiser)
    entry.refresh_from_db()
    assert entry.r2_points == Decimal("1") and entry.r2_reason == ""
    _to(small_cycle, State.FINAL)
    finals = dict(Entry.objects.filter(participation=p).values_list("code", "final_points"))
    assert finals["1.1.2"] == Decimal("1")  # round 2
    assert finals["1.2.1"] == Decimal("1")  # round 1 (accepted)
    assert finals["2.1.1"] == Decimal("1.8")  # self, never appraised
    assert services.unit_result(p, "final").points == Decimal("5.5500")
    with pytest.raises(services.ServiceError):
        services.entry_appraise(entry=entry, points=Decimal("0"), reason="other", user=appraiser)
    _to(small_cycle, State.PUBLISHED)


def test_appraisal_before_submission_is_refused(small_cycle):
    p = _fill(small_cycle)
    _to(small_cycle, State.SELF_CLOSED, State.APPRAISAL)
    entry = Entry.objects.get(participation=p, code="1.1.2")
    with pytest.raises(services.ServiceError, match="chưa gửi"):
        services.entry_appraise(entry=entry, points=None, user=small_cycle.users["appraiser"])


def test_the_audit_log_cannot_be_changed_or_deleted(small_cycle):
    _fill(small_cycle)
    log = LogEntry.objects.first()
    with pytest.raises(PermissionError):
        log.delete()
    with pytest.raises(PermissionError):
        LogEntry.objects.all().delete()
    log.action = "forged"
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        LogEntry.objects.update(action="forged")
