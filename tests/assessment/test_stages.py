"""Moving a cycle between stages: the checklist of open points, reasons, "không nộp",
going back one stage, the publication record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from parindex.assessment import services
from parindex.assessment.models import Cycle, Entry, Participation
from parindex.audit.models import LogEntry
from parindex.surveys.models import Questionnaire, SampleTarget

State = Cycle.State


def _move(world, state, **kw):
    world.cycle = services.cycle_transition(
        cycle=world.cycle, to_state=state, user=world.users["manager"], **kw
    )
    return world.cycle


def _counts(world, to_state):
    return {i.check: i.count for i in services.transition_checklist(world.cycle, to_state)}


def _submit_department(world):
    p = world.p_department
    for code, value in {"1.1.1": "đúng hạn", "1.2.1": "có", "2.1.1": "90"}.items():
        services.entry_save_self(
            participation=p, code=code, value=value, user=world.users["officer"]
        )
    services.participation_submit(participation=p, user=world.users["leader"])


def test_the_checklist_counts_every_kind_of_open_point_and_reasons_are_audited(small_cycle):
    w = small_cycle
    _submit_department(w)
    # The commune never submits.
    assert _counts(w, State.SELF_CLOSED) == {"unsubmitted": 1}
    with pytest.raises(services.ServiceError, match="lý do"):
        _move(w, State.SELF_CLOSED)
    assert Cycle.objects.get(pk=w.cycle.pk).state == State.OPEN
    _move(w, State.SELF_CLOSED, reason="Hết hạn")
    row = LogEntry.objects.filter(action="cycle.state_changed").latest("pk")
    assert row.data["reason"] == "Hết hạn"
    assert row.data["open_points"] == {"unsubmitted": 1}
    # Re-opening checks nothing.
    assert services.transition_checklist(w.cycle, State.OPEN) == []
    items = services.transition_checklist(w.cycle, State.APPRAISAL)
    assert items[0].units == (small_cycle.commune.name,)
    assert "Không nộp" in items[0].consequence
    _move(w, State.APPRAISAL, reason="Xã không nộp")
    assert Participation.objects.get(pk=w.p_commune.pk).not_submitted
    assert not Participation.objects.get(pk=w.p_department.pk).not_submitted
    assert (
        LogEntry.objects.filter(action="cycle.state_changed").latest("pk").data["not_submitted"]
        == 1
    )

    # Round 1: every own item of the submitted unit is open, one fewer once appraised.
    n = _counts(w, State.EXPLANATION)["unappraised"]
    assert n > 0
    e = Entry.objects.get(participation=w.p_department, code="1.2.1")
    services.entry_appraise(entry=e, points=Decimal(0), reason="not_met", user=w.users["appraiser"])
    assert _counts(w, State.EXPLANATION)["unappraised"] == n - 1
    _move(w, State.EXPLANATION, reason="Đủ thời gian")

    # Explanations: the cut item is not explained yet.
    assert _counts(w, State.APPRAISAL_2) == {"unexplained": 1}
    services.entry_explain(entry=e, text="Đã có văn bản", user=w.users["officer"])
    assert _counts(w, State.APPRAISAL_2) == {"unexplained": 0}
    _move(w, State.APPRAISAL_2)  # nothing open: no reason needed
    assert "reason" not in LogEntry.objects.filter(action="cycle.state_changed").latest("pk").data

    # Round 2: the explained item, and a survey below its sample plan.
    q = Questionnaire.objects.create(
        cycle=w.cycle,
        form_id="F1",
        title="Phiếu",
        kind="standard",
        group_code="ND",
        group_name="Người dân",
    )
    SampleTarget.objects.create(cycle=w.cycle, unit=w.department, questionnaire=q, target=30)
    assert _counts(w, State.FINAL) == {"unappraised": 1, "surveys": 1}
    with pytest.raises(services.ServiceError):
        _move(w, State.FINAL)
    _move(w, State.FINAL, reason="Hội đồng đã họp")
    row = LogEntry.objects.filter(action="cycle.state_changed").latest("pk")
    assert row.data["open_points"] == {"unappraised": 1, "surveys": 1}


def test_going_back_needs_a_reason_clears_not_submitted_and_stops_at_publication(small_cycle):
    w = small_cycle
    _submit_department(w)
    for state in (State.SELF_CLOSED, State.APPRAISAL):
        _move(w, state, reason="r")
    assert Participation.objects.get(pk=w.p_commune.pk).not_submitted
    with pytest.raises(services.ServiceError, match="lý do"):
        _move(w, State.SELF_CLOSED)
    _move(w, State.SELF_CLOSED, reason="Xã xin nộp muộn")
    assert w.cycle.state == State.SELF_CLOSED
    assert not Participation.objects.get(pk=w.p_commune.pk).not_submitted
    row = LogEntry.objects.filter(action="cycle.state_reverted").get()
    assert row.data["reason"] == "Xã xin nộp muộn"
    assert (row.data["old"], row.data["new"]) == (State.APPRAISAL, State.SELF_CLOSED)
    # Never two stages back.
    with pytest.raises(services.ServiceError):
        _move(w, State.DRAFT, reason="x")
    for state in (State.APPRAISAL, State.EXPLANATION, State.APPRAISAL_2, State.FINAL):
        _move(w, state, reason="r")
    _move(w, State.APPRAISAL_2, reason="Sai sót")
    assert Cycle.objects.get(pk=w.cycle.pk).finalised_at is None
    _move(w, State.FINAL, reason="r")
    _move(w, State.PUBLISHED, decision_number="15/QĐ-UBND", decision_date=date(2026, 2, 1))
    with pytest.raises(services.ServiceError):
        _move(w, State.FINAL, reason="Sai sót")
    assert Cycle.objects.get(pk=w.cycle.pk).state == State.PUBLISHED


def test_publication_records_the_date_and_the_decision(small_cycle):
    w = small_cycle
    Cycle.objects.filter(pk=w.cycle.pk).update(state=State.FINAL)
    w.cycle = Cycle.objects.get(pk=w.cycle.pk)
    with pytest.raises(services.ServiceError, match="quyết định"):
        _move(w, State.PUBLISHED)
    assert Cycle.objects.get(pk=w.cycle.pk).published_at is None
    cycle = _move(w, State.PUBLISHED, decision_number="15/QĐ-UBND", decision_date=date(2026, 2, 1))
    cycle.refresh_from_db()
    assert cycle.published_at is not None
    assert (cycle.decision_number, cycle.decision_date) == ("15/QĐ-UBND", date(2026, 2, 1))
    row = LogEntry.objects.filter(action="cycle.state_changed").latest("pk")
    assert row.data["decision_number"] == "15/QĐ-UBND"


# --- bulk appraisal ----------------------------------------------------------------------------


def test_bulk_appraisal_settles_only_the_remaining_covered_items_with_one_summary_row(small_cycle):
    w = small_cycle
    _submit_department(w)
    p = w.p_department
    _move(w, State.SELF_CLOSED, reason="r")
    _move(w, State.APPRAISAL, reason="r")
    cut = Entry.objects.get(participation=p, code="1.2.1")
    services.entry_appraise(
        entry=cut, points=Decimal(0), reason="not_met", user=w.users["appraiser"]
    )
    # appraiser_2 covers field 2 only.
    n2 = services.appraise_remaining(participation=p, user=w.users["appraiser_2"])
    settled = set(
        Entry.objects.filter(participation=p, r1_points__isnull=False).values_list(
            "code", flat=True
        )
    )
    assert n2 > 0 and all(c.startswith("2.") for c in settled - {"1.2.1"})
    summary = LogEntry.objects.filter(action="appraisal.bulk_r1").get()
    assert summary.data["items"] == n2
    before = LogEntry.objects.filter(action="entry.appraised_r1").count()
    n = services.appraise_remaining(participation=p, user=w.users["appraiser"])
    assert LogEntry.objects.filter(action="appraisal.bulk_r1").count() == 2
    assert LogEntry.objects.filter(action="entry.appraised_r1").count() == before + n
    # The item already cut keeps its cut; every other own item takes its self points.
    assert Entry.objects.get(pk=cut.pk).r1_points == 0
    for e in Entry.objects.filter(participation=p).exclude(code="1.2.1"):
        if e.r1_points is not None:
            assert e.r1_points == (e.self_points or 0)
    assert services.transition_checklist(w.cycle, State.EXPLANATION)[0].count == 0
    assert services.appraise_remaining(participation=p, user=w.users["appraiser"]) == 0

    # Round 2: the unexplained cut keeps round 1; an explained cut waits for the appraiser.
    other = Entry.objects.get(participation=p, code="1.1.1")
    services.entry_appraise(
        entry=other, points=Decimal(0), reason="other", user=w.users["appraiser"]
    )
    _move(w, State.EXPLANATION, reason="r")
    services.entry_explain(entry=other, text="Có văn bản", user=w.users["officer"])
    _move(w, State.APPRAISAL_2, reason="r")
    assert services.appraise_remaining(participation=p, user=w.users["appraiser"]) == 1
    assert Entry.objects.get(pk=cut.pk).r2_points == 0
    assert Entry.objects.get(pk=cut.pk).r2_reason == "not_met"
    assert Entry.objects.get(pk=other.pk).r2_points is None
    assert LogEntry.objects.filter(action="appraisal.bulk_r2").get().data["codes"] == ["1.2.1"]


def test_only_appraisers_act_in_bulk(small_cycle):
    w = small_cycle
    _submit_department(w)
    _move(w, State.SELF_CLOSED, reason="r")
    _move(w, State.APPRAISAL, reason="r")
    for who in ("manager", "officer", "leader", "viewer"):
        with pytest.raises(services.ServiceError):
            services.appraise_remaining(participation=w.p_department, user=w.users[who])
    assert not LogEntry.objects.filter(action="appraisal.bulk_r1").exists()


# --- "không nộp" in the results ----------------------------------------------------------------


def test_units_that_never_submitted_are_listed_not_ranked(small_cycle):
    from parindex.results.selectors import cycle_results

    w = small_cycle
    _submit_department(w)
    _move(w, State.SELF_CLOSED, reason="r")
    _move(w, State.APPRAISAL, reason="r")
    rows = {r.unit.code: r for r in cycle_results(w.cycle, "self", by_type=False).rows}
    assert set(rows) == {"STP", "XA1"}  # listed
    assert rows["XA1"].not_submitted and rows["XA1"].rank == 0
    assert not rows["STP"].not_submitted and rows["STP"].rank == 1
    assert list(rows) == ["STP", "XA1"]  # after the ranked units
    # Going back clears the record: both are ranked again.
    _move(w, State.SELF_CLOSED, reason="Cho nộp muộn")
    rows = {r.unit.code: r for r in cycle_results(w.cycle, "self", by_type=False).rows}
    assert not rows["XA1"].not_submitted and rows["XA1"].rank >= 1


def test_the_checklist_version_moves_with_everything_the_checklist_counts(small_cycle):
    """The token the home page caches the checklist under (services.stages.checklist_version)."""
    from parindex.assessment.services.stages import checklist_version
    from parindex.surveys.models import Response

    w = small_cycle

    def version(to_state):
        w.cycle.refresh_from_db()
        return checklist_version(w.cycle, to_state)

    seen = [version(State.SELF_CLOSED)]
    assert version(State.SELF_CLOSED) == seen[-1]  # nothing changed
    _submit_department(w)  # entries (results version) and a submission
    seen.append(version(State.SELF_CLOSED))
    services.participation_withdraw(participation=w.p_department, user=w.users["leader"])
    seen.append(version(State.SELF_CLOSED))  # a status alone
    Cycle.objects.filter(pk=w.cycle.pk).update(state=State.APPRAISAL_2)
    seen.append(version(State.FINAL))  # the state
    q = Questionnaire.objects.create(
        cycle=w.cycle, form_id="F1", title="Phiếu", kind="standard", group_code="ND"
    )
    seen.append(version(State.FINAL))  # a respondent group
    target = SampleTarget.objects.create(
        cycle=w.cycle, unit=w.department, questionnaire=q, target=30
    )
    seen.append(version(State.FINAL))  # the sample plan
    SampleTarget.objects.filter(pk=target.pk).update(target=20)
    seen.append(version(State.FINAL))
    Response.objects.create(
        cycle=w.cycle,
        questionnaire=q,
        unit=w.department,
        respondent="R1",
        answers="A",
        source="web",
    )
    seen.append(version(State.FINAL))  # a response
    assert len(set(seen)) == len(seen), seen
    assert version(State.FINAL) == seen[-1]
