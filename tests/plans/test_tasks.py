"""Tasks: overdue is computed, a stale edit is refused, a lead agency reports on its own tasks
only, progress reports carry checked files, a finished task's files become evidence of the
item in the unit's next cycle in one action (through the evidence service and its window),
the dashboard sums by agency and field, reminders are sent once before deadlines and when
overdue."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parindex.accounts.models import Profile
from parindex.assessment import services as asvc
from parindex.assessment.models import EvidenceLink
from parindex.common.errors import ServiceError
from parindex.plans import dashboard
from parindex.plans import services as svc
from parindex.plans.models import Attachment, Task
from parindex.plans.notify import send_plan_reminders
from parindex.plans.selectors import self_points_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def plan(plan_world):
    return svc.plan_draft(
        cycle=plan_world.finished, unit=plan_world.cast.a, user=plan_world.cast.manager
    ).plan


def test_overdue_is_computed_from_the_deadline_never_stored(plan):
    task = plan.tasks.get(code="1.2.2")
    task.deadline = date(2025, 3, 31)
    assert not task.overdue_on(date(2025, 3, 31))
    assert task.overdue_on(date(2025, 4, 1))
    task.status = Task.Status.DONE
    assert not task.overdue_on(date(2025, 4, 1))
    assert "overdue" not in Task.Status.values  # nobody can type it


def test_a_stale_edit_is_refused_with_a_message(plan_world, plan):
    task = plan.tasks.get(code="1.2.2")
    read = task.version
    svc.task_update(task=task, user=plan_world.cast.manager, version=read, description="Bản A")
    with pytest.raises(svc.Conflict, match="tải lại trang"):
        svc.task_update(task=task, user=plan_world.cast.officer, version=read, description="B")
    assert Task.objects.get(pk=task.pk).description == "Bản A"


def test_expected_points_are_checked(plan_world, plan):
    task = plan.tasks.get(code="1.2.2")
    with pytest.raises(ServiceError, match="không vượt quá"):
        svc.task_update(
            task=task, user=plan_world.cast.manager, version=task.version, expected_points=D(3)
        )


def test_the_lead_agency_reports_on_its_own_tasks_only(plan_world, plan):
    cast = plan_world.cast
    its = plan.tasks.get(code="1.1.2")  # criterion 1.1: led by the cast's lead agency
    other = plan.tasks.get(code="2.1.1")
    report = svc.task_report(
        task=its,
        user=cast.lead_agency,
        version=its.version,
        note="Đã ban hành báo cáo.",
        status="in_progress",
        progress=40,
        files=[SimpleUploadedFile("bao-cao.pdf", PDF, "application/pdf")],
    )
    its.refresh_from_db()
    assert (its.status, its.progress, its.version) == ("in_progress", 40, 1)
    assert report.files.get().original_name == "bao-cao.pdf"
    with pytest.raises(ServiceError, match="không có quyền"):
        svc.task_report(
            task=other, user=cast.lead_agency, version=0, note="x", status="done", progress=0
        )
    with pytest.raises(ServiceError, match="chỉ cập nhật tình trạng"):
        svc.task_update(task=its, user=cast.lead_agency, version=its.version, description="x")


def test_a_file_that_is_not_what_it_says_is_refused(plan_world, plan):
    task = plan.tasks.get(code="1.2.2")
    with pytest.raises(ServiceError, match="không phải PDF"):
        svc.task_report(
            task=task,
            user=plan_world.cast.officer,
            version=task.version,
            note="x",
            status="in_progress",
            progress=10,
            files=[SimpleUploadedFile("a.pdf", b"not a pdf at all", "application/pdf")],
        )
    assert not Attachment.objects.exists() and Task.objects.get(pk=task.pk).version == 0


def _done_with_file(plan, user, code="1.2.2"):
    task = plan.tasks.get(code=code)
    svc.task_report(
        task=task,
        user=user,
        version=task.version,
        note="Xong.",
        status="done",
        progress=100,
        files=[SimpleUploadedFile("ket-qua.pdf", PDF, "application/pdf")],
    )
    return Task.objects.get(pk=task.pk)


def test_a_finished_tasks_files_become_evidence_in_the_next_cycle(plan_world, plan):
    cast = plan_world.cast
    task = _done_with_file(plan, cast.officer)
    made = svc.task_link_evidence(task=task, user=cast.officer)
    assert len(made) == 1 and made[0].cycle == plan_world.open
    link = EvidenceLink.objects.get(evidence=made[0])
    assert (link.entry.participation, link.entry.code) == (plan_world.p_open, "1.2.2")
    assert Attachment.objects.get().evidence == made[0]
    with pytest.raises(ServiceError, match="không có tệp nào chưa gắn"):
        svc.task_link_evidence(task=task, user=cast.officer)


def test_linking_respects_the_evidence_window(plan_world, plan):
    cast = plan_world.cast
    task = _done_with_file(plan, cast.officer)
    cast.jump(plan_world.open, "appraisal")
    with pytest.raises(ServiceError):
        svc.task_link_evidence(task=task, user=cast.officer)
    assert not EvidenceLink.objects.filter(entry__participation=plan_world.p_open).exists()


def test_an_unfinished_task_is_not_linked(plan_world, plan):
    task = plan.tasks.get(code="1.2.2")
    with pytest.raises(ServiceError, match="đã hoàn thành"):
        svc.task_link_evidence(task=task, user=plan_world.cast.officer)


def test_the_dashboard_sums_by_agency_and_field_with_points_secured(plan_world, plan):
    cast = plan_world.cast
    asvc.entry_save_self(
        participation=plan_world.p_open, code="1.2.2", value="1", user=cast.officer
    )
    asvc.entry_save_self(
        participation=plan_world.p_open, code="1.1.1", value="chậm", user=cast.officer
    )
    today = timezone.localdate()
    late = plan.tasks.get(code="2.1.1")
    late.deadline = today - timedelta(days=1)
    late.save()
    tasks = list(plan.tasks.select_related("lead_agency"))
    entered = self_points_in(plan_world.p_open, [t.code for t in tasks])
    board = dashboard.build(
        tasks,
        entered,
        today,
        agency_name=lambda t: t.lead_agency.name,
        field_name=lambda c: c,
    )
    assert (board.total.tasks, board.total.recover, board.total.late) == (6, 4, 1)
    assert board.total.expected == D("2")  # 1 + 0,5 + 0,5 (+ 0 for the survey item)
    assert board.total.secured == D("0.5")  # 1.2.2 entered 1 over last year's 0,5
    assert board.total.slipped == 1  # 1.1.1 entered "chậm" (below its maximum)
    by_agency = {line.label: line for line in board.by_agency}
    assert by_agency[cast.lead_unit.name].tasks == 2 and by_agency[cast.a.name].tasks == 4
    assert [line.key for line in board.by_field] == ["1", "2"]
    assert board.by_field[1].late == 1


def test_reminders_three_days_before_on_the_day_and_when_overdue(plan_world, plan):
    cast = plan_world.cast
    cast.lead_agency.email = "chutri@example.vn"
    cast.lead_agency.save()
    today = timezone.localdate()
    soon = plan.tasks.get(code="1.1.2")
    soon.deadline = today + timedelta(days=3)
    soon.save()
    past = plan.tasks.get(code="1.1.1")
    past.deadline = today - timedelta(days=1)
    past.save()
    assert send_plan_reminders() == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert any("Còn 3 ngày" in s and "1.1.2" in s for s in subjects)
    assert any("quá hạn" in s and "1.1.1" in s for s in subjects)
    assert send_plan_reminders() == 0  # once per day and deadline
    Profile.objects.update_or_create(user=cast.lead_agency, defaults={"notify_by_email": False})
    soon.deadline = today
    soon.save()
    assert send_plan_reminders() == 0  # the user turned e-mails off
