"""Drafting a plan from a finished cycle's ledger: every lost item becomes a "recover" task
(reason, the council's comment, points lost, recoverable, lead agency), every item at full
points a "maintain" task; drafting twice does not duplicate; recoverability is the
organiser's setting."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from plan_cast import COMMENT

from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.plans import services as svc
from parindex.plans.drafting import MAINTAIN, RECOVER, draft_tasks
from parindex.plans.models import Plan, Task
from parindex.plans.selectors import task_rows, unit_source
from parindex.results import services as results_services
from parindex.results.selectors import lost_points_ledger
from parindex.results.tables import LedgerFilter


def test_every_lost_item_is_a_recover_task_and_every_full_item_a_maintain_task(plan_world):
    w = plan_world
    source = unit_source(w.finished, w.cast.a)
    lost = {e.code for e in source.ledger}
    assert lost == {"1.1.2", "1.2.2", "2.1.1", "2.2.1"}
    drafts = draft_tasks(source.row, source.ledger, source.assignments)
    assert {d.code for d in drafts if d.kind == RECOVER} == lost
    assert {d.code for d in drafts if d.kind == MAINTAIN} == {"1.1.1", "1.2.1"}
    assert [d.code for d in drafts] == ["1.1.1", "1.1.2", "1.2.1", "1.2.2", "2.1.1", "2.2.1"]


def test_the_drafted_plan_carries_reason_comment_points_and_lead_agency(plan_world):
    w = plan_world
    done = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager)
    plan = done.plan
    assert done.created and done.added == 6 and plan.year == 2025
    assert (plan.source_points, plan.source_max) == (D(4), D(8))  # 1+0+1+0,5+1,5 of 8
    tasks = {t.code: t for t in plan.tasks.select_related("lead_agency")}
    cut = tasks["1.1.2"]
    assert (cut.kind, cut.reason, cut.comment) == (Task.Kind.RECOVER, "evidence_missing", COMMENT)
    assert (cut.lost, cut.recoverable, cut.expected_points) == (D(1), D(1), D(1))
    assert cut.lead_agency == w.cast.lead_unit  # the cycle's lead agency of criterion 1.1
    assert "tài liệu kiểm chứng" in cut.description
    assert tasks["1.2.2"].lead_agency == w.cast.a  # no lead agency: the unit itself
    assert tasks["1.2.2"].recoverable == D("0.5")
    survey = tasks["2.2.1"]
    assert (survey.lost, survey.recoverable, survey.expected_points) == (D(2), D(0), D(0))
    keep = tasks["1.1.1"]
    assert (keep.kind, keep.lost, keep.lead_agency) == (Task.Kind.MAINTAIN, D(0), w.cast.lead_unit)
    assert LogEntry.objects.filter(action="plan.drafted", target_id=str(plan.pk)).exists()
    rows = task_rows(plan)
    assert [(r.code, r.field_code, r.kind) for r in rows][:2] == [
        ("1.1.1", "1", "maintain"),
        ("1.1.2", "1", "recover"),
    ]


def test_drafting_twice_is_refused_and_refresh_adds_nothing_twice(plan_world):
    w = plan_world
    plan = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager).plan
    task = plan.tasks.get(code="1.2.2")
    svc.task_update(task=task, user=w.cast.officer, version=task.version, description="Tự làm")
    with pytest.raises(ServiceError, match="đã có kế hoạch năm 2025"):
        svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager)
    again = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager, refresh=True)
    assert (again.created, again.added, again.updated) == (False, 0, 0)
    assert Plan.objects.count() == 1 and Task.objects.count() == 6
    assert Task.objects.get(code="1.2.2").description == "Tự làm"  # edits are kept


def test_only_a_finished_cycle_and_only_editors_draft(plan_world):
    w = plan_world
    with pytest.raises(ServiceError, match="đã chốt kết quả"):
        svc.plan_draft(cycle=w.open, unit=w.cast.a, user=w.cast.manager)
    for name in ("officer_b", "lead_agency", "appraiser", "viewer", "outsider"):
        with pytest.raises(ServiceError, match="không có quyền"):
            svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.users[name])
    assert svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.leader).created


def test_survey_loss_is_recoverable_once_the_organiser_says_so(plan_world):
    w = plan_world
    ledger = lost_points_ledger(w.finished, LedgerFilter(units=frozenset({"STP"})))
    assert {e.code: e.recoverable_points for e in ledger}["2.2.1"] == D(0)  # the default
    results_services.recoverability_set(
        cycle=w.finished, user=w.cast.manager, methods={"survey": True}, items={"1.1.2": False}
    )
    ledger = {
        e.code: e.recoverable_points
        for e in lost_points_ledger(w.finished, LedgerFilter(units=frozenset({"STP"})))
    }
    assert ledger["2.2.1"] == D(2) and ledger["1.1.2"] == D(0) and ledger["1.2.2"] == D("0.5")
    plan = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager).plan
    assert plan.tasks.get(code="2.2.1").expected_points == D(2)
    assert plan.tasks.get(code="1.1.2").expected_points == D(0)
    assert LogEntry.objects.filter(action="results.recoverability_set").count() == 1
    with pytest.raises(ServiceError, match="không có quyền"):
        results_services.recoverability_set(
            cycle=w.finished, user=w.cast.officer, methods={}, items={}
        )


def test_refresh_follows_a_changed_recoverability(plan_world):
    w = plan_world
    plan = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager).plan
    results_services.recoverability_set(
        cycle=w.finished, user=w.cast.manager, methods={"survey": True}, items={}
    )
    again = svc.plan_draft(cycle=w.finished, unit=w.cast.a, user=w.cast.manager, refresh=True)
    assert again.updated == 1
    survey = plan.tasks.get(code="2.2.1")
    assert (survey.recoverable, survey.expected_points) == (D(2), D(2))
