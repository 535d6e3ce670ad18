"""Use cases of the improvement plans: draft a unit's plan from a finished cycle in one action
(or refresh it), edit the plan and its tasks (optimistic concurrency: a stale edit is
refused), report progress with files, link a finished task's files as evidence in the unit's
next cycle, export. Each checks the rights (parindex.assessment.permissions.on_plan) and
writes the audit log; views, the API and the demo only call these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.assessment import permissions as perm
from parindex.assessment.models import Cycle, Evidence, Participation
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.common.uploads import check_upload
from parindex.core import q4

from . import selectors as sel
from .drafting import TaskDraft, draft_tasks
from .models import Attachment, Plan, ProgressReport, Task

ZERO = Decimal(0)
DONE = Task.Status.DONE


class Conflict(ServiceError):
    """Someone changed the object since the form was read (its version moved)."""


def _fmt_time(value: Any) -> str:
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def _check_version(obj: Plan | Task, version: int | None) -> None:
    if version is not None and obj.version != version:
        who = getattr(obj, "updated_by", None)
        name = (who.get_full_name() or who.get_username()) if who else ""
        raise Conflict(
            _(
                "Nội dung đã được %(who)s sửa lúc %(at)s, sau khi bạn mở trang; tải lại trang "
                "để xem thay đổi rồi sửa lại."
            )
            % {"who": name or _("người khác"), "at": _fmt_time(obj.updated_at)}
        )


# --- drafting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drafted:
    plan: Plan
    created: bool
    added: int  # tasks added
    updated: int  # tasks whose figures from the results changed


def _agencies(codes: Iterable[str]) -> dict[str, OrgUnit]:
    wanted = sorted(set(codes))
    return {u.code: u for u in OrgUnit.objects.filter(code__in=wanted)}


def _task_of(plan: Plan, d: TaskDraft, agencies: dict[str, OrgUnit], user: Any) -> Task:
    lead = next((agencies[c] for c in d.agency_codes if c in agencies), plan.unit)
    return Task(
        plan=plan,
        kind=d.kind,
        code=d.code,
        name=d.name[:500],
        field_code=d.field_code,
        method=d.method,
        description=d.description,
        lead_agency=lead,
        max_points=d.max_points,
        last_points=d.last_points,
        lost=d.lost,
        recoverable=d.recoverable,
        loss_kind=d.loss_kind,
        reason=d.reason,
        comment=d.comment,
        expected_points=d.expected_points,
        updated_by=user,
    )


RESULT_FIELDS: tuple[str, ...] = ("name", "field_code", "method", "max_points", "last_points")
RESULT_FIELDS += ("lost", "recoverable", "loss_kind", "reason", "comment")


def plan_draft(*, cycle: Cycle, unit: OrgUnit, user: Any, refresh: bool = False) -> Drafted:
    """Draft the plan of `unit` for the year after `cycle` from the cycle's final results
    (drafting.draft_tasks), in one transaction. The cycle must be finished (lifecycle).
    A plan of that year exists already: refused unless `refresh`, which updates the figures
    taken from the results (and the expected points nobody changed), adds the tasks of
    sub-criteria not in the plan yet and keeps everything else as edited."""
    try:
        p = Participation.objects.select_related("cycle", "unit", "cycle__methodology").get(
            cycle=cycle, unit=unit
        )
    except Participation.DoesNotExist:
        raise ServiceError(_("Đơn vị không tham gia kỳ đánh giá này.")) from None
    if not perm.may_draft_plan(user, p):
        raise ServiceError(_("Bạn không có quyền lập kế hoạch của đơn vị này."))
    if not lifecycle.of(cycle).finished:
        raise ServiceError(
            _("Chỉ lập kế hoạch từ kỳ đánh giá đã chốt kết quả (hiện: %(s)s).")
            % {"s": cycle.get_state_display()}
        )
    year = cycle.year + 1
    found = Plan.objects.filter(unit=unit, year=year).select_related("source_cycle").first()
    if found is not None and not refresh:
        raise ServiceError(
            _(
                "Đơn vị đã có kế hoạch năm %(y)s; mở kế hoạch đó, hoặc chọn “Cập nhật từ kết "
                "quả” để bổ sung theo kết quả mới nhất."
            )
            % {"y": year}
        )
    if found is not None and found.source_cycle_id != cycle.pk:
        raise ServiceError(
            _("Kế hoạch năm %(y)s của đơn vị được lập từ kỳ đánh giá khác (%(c)s).")
            % {"y": year, "c": found.source_cycle.name}
        )
    source = sel.unit_source(cycle, unit)
    drafts = draft_tasks(source.row, source.ledger, source.assignments)
    agencies = _agencies(c for d in drafts for c in d.agency_codes)
    with transaction.atomic():
        created = found is None
        plan = found or Plan(unit=unit, year=year, source_cycle=cycle, created_by=user)
        plan.source_points = q4(source.row.points)
        plan.source_max = q4(source.row.max_points)
        plan.source_index = q4(source.row.index)
        plan.source_rank = None if source.row.not_submitted else source.row.rank
        plan.source_ranked = source.ranked
        if not created:
            plan.version += 1
        plan.updated_at = timezone.now()
        plan.save()
        added = updated = 0
        existing = {t.code: t for t in plan.tasks.select_for_update()} if not created else {}
        new: list[Task] = []
        for d in drafts:
            task = existing.get(d.code)
            if task is None:
                new.append(_task_of(plan, d, agencies, user))
                continue
            fresh = _task_of(plan, d, agencies, user)
            changed = [f for f in RESULT_FIELDS if getattr(task, f) != getattr(fresh, f)]
            if task.expected_points == task.recoverable and fresh.recoverable != task.recoverable:
                task.expected_points = fresh.recoverable
                changed.append("expected_points")
            if changed:
                for f in RESULT_FIELDS:
                    setattr(task, f, getattr(fresh, f))
                task.version += 1
                task.updated_at = timezone.now()
                task.save()
                updated += 1
        Task.objects.bulk_create(new)
        added = len(new)
        log_action(
            "plan.drafted" if created else "plan.refreshed",
            actor=user,
            target=plan,
            cycle=cycle,
            unit=unit,
            year=year,
            tasks_added=added,
            tasks_updated=updated,
        )
    return Drafted(plan, created, added, updated)


# --- the plan and its tasks ----------------------------------------------------------------------

PLAN_FIELDS = ("number", "issued_on", "goal", "signer_name")


def _require_edit(user: Any, plan: Plan) -> perm.PlanAccess:
    acc = sel.plan_access(user, plan)
    if not acc.edit:
        raise ServiceError(_("Bạn không có quyền sửa kế hoạch này."))
    return acc


def plan_update(*, plan: Plan, user: Any, version: int | None, **fields: Any) -> Plan:
    """Change what the issued document says (number, date, goal, signer)."""
    _require_edit(user, plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    with transaction.atomic():
        current = Plan.objects.select_for_update().get(pk=plan.pk)
        _check_version(current, version)
        old = {f: getattr(current, f) for f in fields}
        for f, v in fields.items():
            setattr(current, f, v.strip() if isinstance(v, str) else v)
        new = {f: getattr(current, f) for f in fields}
        if old != new:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            log_action(
                "plan.updated",
                actor=user,
                target=current,
                cycle=current.source_cycle,
                unit=current.unit,
                old=_plain(old),
                new=_plain(new),
            )
    return current


TASK_FIELDS = ("description", "lead_agency", "deadline", "expected_points", "effort_days", "cost")
STATUS_FIELDS = ("status", "progress")


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, Decimal | date):
            v = str(v)
        elif isinstance(v, OrgUnit):
            v = v.code
        elif isinstance(v, list | tuple | set | frozenset):
            v = sorted(x.code if isinstance(x, OrgUnit) else x for x in v)
        out[k] = v
    return out


def _status_checked(status: str, progress: int) -> tuple[str, int]:
    if status not in Task.Status.values:
        raise ServiceError(_("Tình trạng không hợp lệ."))
    if not 0 <= progress <= 100:
        raise ServiceError(_("Tiến độ phải từ 0 đến 100%."))
    if status == DONE:
        progress = 100
    elif status == Task.Status.NOT_STARTED and progress:
        status = Task.Status.IN_PROGRESS
    return status, progress


def _set_status(task: Task, status: str, progress: int) -> None:
    if status == DONE and task.status != DONE:
        task.done_on = timezone.localdate()
    elif status != DONE:
        task.done_on = None
    task.status, task.progress = status, progress


def task_update(
    *,
    task: Task,
    user: Any,
    version: int | None,
    cooperating: Sequence[OrgUnit] | None = None,
    **fields: Any,
) -> Task:
    """Change a task (description, lead and cooperating agencies, deadline, expected points,
    effort, cost; status and progress). Refused when someone changed it since `version`
    was read. The plan's editors change everything; a lead agency its task's status and
    progress only (task_report is its usual way)."""
    acc = sel.plan_access(user, task.plan)
    unknown = set(fields) - set(TASK_FIELDS) - set(STATUS_FIELDS)
    if unknown:
        raise ValueError(f"not task fields: {sorted(unknown)}")
    if not acc.reports_on(task.lead_agency_id):
        raise ServiceError(_("Bạn không có quyền sửa nhiệm vụ này."))
    if not acc.edit and (set(fields) - set(STATUS_FIELDS) or cooperating is not None):
        raise ServiceError(_("Cơ quan chủ trì chỉ cập nhật tình trạng và tiến độ của nhiệm vụ."))
    chosen = list(cooperating or ())
    if fields.get("lead_agency") is not None:
        chosen.append(fields["lead_agency"])
    if chosen and not {u.pk for u in chosen} <= sel.assignable_agencies(user, task.plan):
        raise ServiceError(_("Bạn không giao được nhiệm vụ cho cơ quan này."))
    if "expected_points" in fields and fields["expected_points"] is None:
        fields["expected_points"] = ZERO  # left empty: nothing expected back
    for f in ("expected_points", "effort_days", "cost"):
        value = fields.get(f)
        if value is not None and value < 0:
            raise ServiceError(_("Số điểm, ngày công, kinh phí không được âm."))
    if fields.get("expected_points") is not None and fields["expected_points"] > task.lost:
        raise ServiceError(
            _("Điểm phấn đấu giành lại không vượt quá điểm bị trừ (%(n)s).") % {"n": task.lost}
        )
    with transaction.atomic():
        current = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
        _check_version(current, version)
        old = {f: getattr(current, f) for f in fields}
        if cooperating is not None:
            old["cooperating"] = list(current.cooperating.all())
        if "status" in fields or "progress" in fields:
            status, progress = _status_checked(
                fields.pop("status", current.status), int(fields.pop("progress", current.progress))
            )
            _set_status(current, status, progress)
        for f, v in fields.items():
            setattr(current, f, v.strip() if isinstance(v, str) else v)
        if "expected_points" in fields and current.expected_points is not None:
            current.expected_points = q4(current.expected_points)
        new = {f: getattr(current, f) for f in old}
        if cooperating is not None:
            new["cooperating"] = list(cooperating)
        if _plain(old) == _plain(new):
            return current
        current.version += 1
        current.updated_at = timezone.now()
        current.updated_by = user
        current.save()
        if cooperating is not None:
            current.cooperating.set(cooperating)
        log_action(
            "plan_task.updated",
            actor=user,
            target=current,
            cycle=current.plan.source_cycle,
            unit=current.plan.unit,
            code=current.code,
            old=_plain(old),
            new=_plain(new),
        )
    return current


def task_report(
    *,
    task: Task,
    user: Any,
    version: int | None,
    note: str,
    status: str,
    progress: int,
    files: Sequence[Any] = (),
) -> ProgressReport:
    """Report progress on a task (its lead agency, or the plan's editors): what was done,
    the new status and progress, and files (checked like evidence: common/uploads.py).
    Refused when the task changed since `version` was read."""
    acc = sel.plan_access(user, task.plan)
    if not acc.reports_on(task.lead_agency_id):
        raise ServiceError(_("Bạn không có quyền báo cáo tiến độ nhiệm vụ này."))
    note = note.strip()
    if not note:
        raise ServiceError(_("Hãy ghi nội dung đã thực hiện."))
    status, progress = _status_checked(status, progress)
    checked = [check_upload(f, settings.EVIDENCE_MAX_BYTES) for f in files]
    with transaction.atomic():
        current = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
        _check_version(current, version)
        old = {"status": current.status, "progress": current.progress}
        _set_status(current, status, progress)
        current.version += 1
        current.updated_at = timezone.now()
        current.updated_by = user
        current.save()
        report = ProgressReport.objects.create(
            task=current, note=note, status=status, progress=progress, created_by=user
        )
        for f, c in zip(files, checked, strict=True):
            f.name = c.name
            att = Attachment(
                report=report,
                original_name=c.name,
                size=c.size,
                sha256=c.sha256,
                content_type=c.content_type,
            )
            att.file.save(c.name, f, save=False)
            att.save()
        log_action(
            "plan_task.reported",
            actor=user,
            target=current,
            cycle=current.plan.source_cycle,
            unit=current.plan.unit,
            code=current.code,
            old=old,
            new={"status": status, "progress": progress},
            files=[c.name for c in checked],
        )
    return report


def task_link_evidence(*, task: Task, user: Any) -> list[Evidence]:
    """Make a finished task's files evidence of its sub-criterion in the unit's next cycle's
    self-assessment, in one action: each file not linked yet is uploaded through the
    evidence service (its rights, checks and window: lifecycle.evidence_open) and linked
    to the item. All or nothing."""
    from parindex.assessment.services import evidence_upload

    if not sel.plan_access(user, task.plan).reports_on(task.lead_agency_id):
        raise ServiceError(_("Bạn không có quyền với nhiệm vụ này."))
    if task.status != DONE:
        raise ServiceError(_("Chỉ gắn tệp của nhiệm vụ đã hoàn thành."))
    p = sel.next_participation(task.plan)
    if p is None:
        raise ServiceError(
            _("Chưa có kỳ đánh giá năm %(y)s của đơn vị để gắn tài liệu kiểm chứng.")
            % {"y": task.plan.year}
        )
    files = list(
        Attachment.objects.filter(report__task=task, evidence__isnull=True).select_related("report")
    )
    if not files:
        raise ServiceError(_("Nhiệm vụ không có tệp nào chưa gắn."))
    made: list[Evidence] = []
    with transaction.atomic():
        for att in files:
            with att.file.open("rb") as fh:
                upload = File(fh, name=att.original_name)
                ev = evidence_upload(
                    participation=p,
                    file=upload,  # type: ignore[arg-type]
                    user=user,
                    title=_("%(n)s (kết quả thực hiện kế hoạch năm %(y)s)")
                    % {"n": att.original_name, "y": task.plan.year},
                    link_code=task.code,
                )
            att.evidence = ev
            att.save(update_fields=["evidence"])
            made.append(ev)
        log_action(
            "plan_task.evidence_linked",
            actor=user,
            target=task,
            cycle=p.cycle,
            unit=p.unit,
            code=task.code,
            evidence=[e.pk for e in made],
        )
    return made


# --- exports --------------------------------------------------------------------------------------


def plan_export(*, plan: Plan, user: Any, fmt: str) -> Any:
    """The plan as a Word document (the administrative layout) or an Excel workbook, for
    whoever reads the whole plan. Audited."""
    from .exports import render_plan

    acc = sel.plan_access(user, plan)
    if not acc.view:
        raise ServiceError(_("Bạn không có quyền xem toàn bộ kế hoạch này."))
    export = render_plan(plan, fmt)
    log_action(
        "plan.exported",
        actor=user,
        target=plan,
        cycle=plan.source_cycle,
        unit=plan.unit,
        format=fmt,
        size=len(export.data),
    )
    return export
