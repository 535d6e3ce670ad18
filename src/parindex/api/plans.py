"""The improvement plans in the API: list and read plans and their tasks, update a task's
status and progress (with a progress report when a note is sent). Every object is fetched
through the plans' selectors (rights from permissions.on_plan) and every change goes through
the plans' services, as on the pages; what the user may not see answers 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, Field, Path, Schema
from ninja.pagination import paginate

from parindex.common.errors import ServiceError
from parindex.plans import selectors as sel
from parindex.plans import services as svc
from parindex.plans.models import Plan, Task

from .auth import user_of
from .errors import ApiError
from .pagination import Pagination
from .reads import PK_MAX, dec, router, unit_ref
from .schemas import ErrorOut, InSchema

TaskStatus = Literal["not_started", "in_progress", "done"]
PLAN_ID = Path(..., ge=1, le=PK_MAX, description="Mã số kế hoạch")
TASK_ID = Path(..., ge=1, le=PK_MAX, description="Mã số nhiệm vụ")


class UnitRef(Schema):
    code: str
    name: str
    type: str


class PlanOut(Schema):
    id: int
    unit: UnitRef
    year: int
    source_cycle: int = Field(..., description="Kỳ đánh giá làm căn cứ (đã chốt kết quả)")
    number: str
    issued_on: date | None
    source_points: str | None
    source_max: str | None
    source_index: str | None
    source_rank: int | None
    tasks: int = Field(..., description="Số nhiệm vụ người gọi được xem")
    done: int
    late: int = Field(..., description="Quá hạn: qua thời hạn mà chưa hoàn thành")
    expected_points: str = Field(..., description="Điểm phấn đấu giành lại (nhiệm vụ khắc phục)")
    whole: bool = Field(..., description="Người gọi xem toàn bộ kế hoạch (không chỉ nhiệm vụ)")


class TaskOut(Schema):
    id: int
    plan: int
    kind: Literal["recover", "maintain"]
    code: str = Field(..., description="Mã tiêu chí thành phần")
    name: str
    field: str = Field(..., description="Mã lĩnh vực")
    description: str
    lead_agency: UnitRef | None
    cooperating: list[UnitRef]
    deadline: date | None
    max_points: str
    last_points: str
    lost: str
    recoverable: str
    reason: str
    comment: str
    expected_points: str
    effort_days: str | None
    cost: str | None
    status: TaskStatus
    progress: int
    overdue: bool = Field(..., description="Tính từ thời hạn và ngày hiện tại")
    done_on: date | None
    version: int = Field(..., description="Gửi lại khi cập nhật (409 nếu đã có người sửa)")


class TaskUpdateIn(InSchema):
    version: int = Field(..., ge=0, le=PK_MAX)
    status: TaskStatus | None = None
    progress: int | None = Field(None, ge=0, le=100)
    note: str | None = Field(
        None, max_length=4000, description="Có nội dung: ghi một báo cáo tiến độ"
    )


ERRORS: dict[int | str, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _plan(user: Any, plan_id: int) -> tuple[Plan, Any]:
    try:
        return sel.plan_for_user(user, plan_id)
    except Plan.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy kế hoạch.")) from None


def _task(user: Any, task_id: int) -> tuple[Task, Any]:
    try:
        return sel.task_for_user(user, task_id)
    except Task.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy nhiệm vụ.")) from None


def plan_out(plan: Plan, acc: Any) -> dict[str, Any]:
    tasks = sel.tasks_of(plan, acc)
    return {
        "id": plan.pk,
        "unit": unit_ref(plan.unit),
        "year": plan.year,
        "source_cycle": plan.source_cycle_id,
        "number": plan.number,
        "issued_on": plan.issued_on,
        # last year's result: for those who read the whole plan (not an agency of a task)
        "source_points": dec(plan.source_points) if acc.view else None,
        "source_max": dec(plan.source_max) if acc.view else None,
        "source_index": dec(plan.source_index) if acc.view else None,
        "source_rank": plan.source_rank if acc.view else None,
        "tasks": len(tasks),
        "done": sum(1 for t in tasks if t.status == Task.Status.DONE),
        "late": sum(1 for t in tasks if t.overdue),
        "expected_points": dec(
            sum((t.expected_points for t in tasks if t.kind == Task.Kind.RECOVER), Decimal(0))
        ),
        "whole": acc.view,
    }


def task_out(t: Task) -> dict[str, Any]:
    return {
        "id": t.pk,
        "plan": t.plan_id,
        "kind": t.kind,
        "code": t.code,
        "name": t.name,
        "field": t.field_code,
        "description": t.description,
        "lead_agency": unit_ref(t.lead_agency) if t.lead_agency else None,
        "cooperating": [unit_ref(u) for u in t.cooperating.all()],
        "deadline": t.deadline,
        "max_points": dec(t.max_points),
        "last_points": dec(t.last_points),
        "lost": dec(t.lost),
        "recoverable": dec(t.recoverable),
        "reason": t.reason,
        "comment": t.comment,
        "expected_points": dec(t.expected_points),
        "effort_days": dec(t.effort_days),
        "cost": dec(t.cost),
        "status": t.status,
        "progress": t.progress,
        "overdue": t.overdue,
        "done_on": t.done_on,
        "version": t.version,
    }


@router.get("/plans", response=list[PlanOut], tags=["plans"])
@paginate(Pagination)
def plan_list(request: HttpRequest, year: int | None = None) -> Any:
    """The improvement plans you read (whole, or the tasks your unit leads), newest first."""
    plans = sel.plans_visible_to(user_of(request))
    return [plan_out(p, acc) for p, acc in plans if year is None or p.year == year]


@router.get("/plans/{plan_id}", response=PlanOut, tags=["plans"])
def plan_detail(request: HttpRequest, plan_id: int = PLAN_ID) -> Any:
    plan, acc = _plan(user_of(request), plan_id)
    return plan_out(plan, acc)


@router.get("/plans/{plan_id}/tasks", response=list[TaskOut], tags=["plans"])
@paginate(Pagination)
def plan_tasks(request: HttpRequest, plan_id: int = PLAN_ID) -> Any:
    """The plan's tasks you see, in the methodology's order: what each recovers or keeps,
    who leads it, the deadline, expected points, effort and cost, status and progress."""
    plan, acc = _plan(user_of(request), plan_id)
    return [task_out(t) for t in sel.tasks_of(plan, acc)]


@router.get("/tasks/{task_id}", response=TaskOut, tags=["plans"])
def task_detail(request: HttpRequest, task_id: int = TASK_ID) -> Any:
    task, _acc = _task(user_of(request), task_id)
    return task_out(task)


@router.patch("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, tags=["plans"])
def task_update(
    request: HttpRequest, task_id: int = TASK_ID, body: TaskUpdateIn = Body(...)
) -> Any:
    """Update a task's status and progress (its lead agency, the plan's editors). With a
    `note`, a progress report is recorded as on the task's page. Send the `version` you
    read: 409 when someone changed the task since."""
    user = user_of(request)
    task, acc = _task(user, task_id)
    if not acc.reports_on(task.lead_agency_id):
        raise ApiError(403, _("Bạn không có quyền cập nhật nhiệm vụ này."))
    status = body.status or task.status
    progress = task.progress if body.progress is None else body.progress
    try:
        if body.note and body.note.strip():
            svc.task_report(
                task=task,
                user=user,
                version=body.version,
                note=body.note,
                status=status,
                progress=progress,
            )
        else:
            svc.task_update(
                task=task, user=user, version=body.version, status=status, progress=progress
            )
    except svc.Conflict as exc:
        raise ApiError(409, str(exc), code="conflict") from None
    except ServiceError as exc:
        raise ApiError(400, str(exc)) from None
    fresh, _acc = _task(user, task_id)
    return task_out(fresh)
