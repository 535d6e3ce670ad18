"""Import jobs whose worker died (killed, machine restarted) mid-way: found, marked failed with
a message the progress bar shows, and started again by the user.

An import writes its rows, the survey points and its "done" state in one transaction, so a
dead worker leaves either nothing or everything; what it can leave behind is a job that
still says "importing". Such a job is interrupted when its task has ended without ending it
(django-tasks result SUCCESSFUL/FAILED or gone), or when it has not written a heartbeat for
`SURVEY_JOB_STALE_AFTER` seconds while working (a job waiting in the queue, its task still
READY, is not interrupted: it runs when a worker takes it). The recovery runs when a job's
page or API state is polled and by `parindex manage recover_import_jobs`.

Jobs left "done" below 100 % by versions that recomputed the points after the commit get
their points recomputed (the recomputation is idempotent)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import TaskResultStatus, default_task_backend
from django_tasks.exceptions import TaskResultDoesNotExist

from parindex.audit.services import log_action
from parindex.common.errors import ServiceError

from ..models import ImportJob, Response
from .common import _require_manage, _require_open
from .scores import survey_points_write

logger = logging.getLogger(__name__)

Status = ImportJob.Status
RUNNING = (Status.PENDING, Status.VALIDATING, Status.QUEUED, Status.IMPORTING)
WORKING = (Status.VALIDATING, Status.IMPORTING)
MISSING = "MISSING"


def enqueue_job(task: Any, job_id: int) -> None:
    """Enqueue a job's task and remember its result id (the recovery reads its state)."""
    result = task.enqueue(job_id)
    ImportJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "SURVEY_JOB_STALE_AFTER", 900)))


def task_state(task_id: str) -> str:
    """The django-tasks state of a job's task (READY, RUNNING, SUCCESSFUL, FAILED), MISSING
    when its result is gone, "" when unknown (no id, or a backend that keeps no results)."""
    backend = default_task_backend
    if not task_id or not backend.supports_get_result:
        return ""
    try:
        return str(backend.get_result(task_id).status)
    except (TaskResultDoesNotExist, ValueError):
        return MISSING


def _interrupted(job: ImportJob, cutoff: dt.datetime) -> str:
    """Why a running job is taken as interrupted ("" when it is not)."""
    state = task_state(job.task_id)
    if state in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED, MISSING):
        return f"task {state}"
    if (job.heartbeat_at or job.created_at) >= cutoff:
        return ""
    if job.status in WORKING or state != TaskResultStatus.READY:
        return f"no heartbeat since {job.heartbeat_at or job.created_at:%Y-%m-%d %H:%M:%S}"
    return ""


def interrupted_message(job: ImportJob) -> str:
    if job.mode:
        return _(
            "Nhập bị gián đoạn: tiến trình xử lý đã dừng giữa chừng, không có phiếu nào của "
            "tệp này được ghi. Hãy bấm “Nhập lại”."
        )
    return _(
        "Nhập bị gián đoạn khi đang kiểm tra tệp: tiến trình xử lý đã dừng giữa chừng, chưa "
        "có dữ liệu nào được ghi. Hãy bấm “Kiểm tra lại”."
    )


def _mark_interrupted(job: ImportJob, reason: str) -> bool:
    """Mark the job failed unless its worker moved it on since it was read (the worker's
    own writes change its heartbeat; a worker inside its write transaction holds the row)."""
    now = timezone.now()
    with transaction.atomic():
        changed = ImportJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(
            status=Status.FAILED,
            message=interrupted_message(job),
            phase="",
            finished_at=now,
            heartbeat_at=now,
        )
        if changed:
            log_action(
                "survey.import_interrupted",
                target=job,
                cycle=job.cycle,
                status=job.status,
                progress=job.progress,
                reason=reason,
            )
    return bool(changed)


def _rescore(job: ImportJob) -> bool:
    """A job left "done" without its survey points (the rows committed before the points,
    by an earlier version): recompute them, all in one transaction."""
    now = timezone.now()
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job.pk, status=Status.DONE, progress=job.progress, heartbeat_at=job.heartbeat_at
        ).update(heartbeat_at=now)
        if not claimed:
            return False
        try:
            summary = survey_points_write(cycle=job.cycle, user=job.started_by)
        except ServiceError as exc:
            job.message = _("Đã nhập phiếu nhưng chưa tính được điểm: %(e)s") % {"e": str(exc)}
        else:
            job.summary = {**job.summary, "scored": summary.as_dict()}
        job.progress = 100
        job.phase = ""
        job.finished_at = job.finished_at or now
        job.heartbeat_at = now
        job.save(
            update_fields=["summary", "message", "progress", "phase", "finished_at", "heartbeat_at"]
        )
        log_action("survey.import_rescored", target=job, cycle=job.cycle, message=job.message)
    return True


def import_jobs_recover(
    *, job_ids: list[int] | None = None, stale: dt.timedelta | None = None
) -> list[ImportJob]:
    """Mark the interrupted jobs (all, or those of `job_ids`) failed and recompute the points
    of jobs left done without them. Returns the jobs changed, as they were read."""
    cutoff = timezone.now() - (stale_after() if stale is None else stale)
    jobs = ImportJob.objects.select_related("cycle", "cycle__methodology", "started_by").filter(
        status__in=[*RUNNING, Status.DONE]
    )
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    changed = []
    for job in jobs.exclude(status=Status.DONE, progress__gte=100):
        if job.status == Status.DONE:
            if (job.heartbeat_at or job.created_at) < cutoff and _rescore(job):
                changed.append(job)
        else:
            reason = _interrupted(job, cutoff)
            if reason and _mark_interrupted(job, reason):
                changed.append(job)
    return changed


def import_job_refresh(job: ImportJob) -> ImportJob:
    """A job as its page or API shows it, after the recovery (when polled). A database that
    is busy (the import itself holding SQLite's write lock) only delays the recovery."""
    if job.status in RUNNING or (job.status == Status.DONE and job.progress < 100):
        try:
            if import_jobs_recover(job_ids=[job.pk]):
                job.refresh_from_db()
        except DatabaseError:
            logger.warning("recovery of survey import %s delayed", job.pk, exc_info=True)
    return job


@transaction.atomic
def import_job_restart(*, job: ImportJob, user: Any) -> ImportJob:
    """Start a failed job (interrupted, or a system error) again: its check when it failed
    while checking, else its import in the mode chosen before. Nothing of it was written
    (imports are all or nothing), so it starts from the file."""
    from .. import tasks

    _require_manage(user, job.cycle)
    _require_open(job.cycle)
    job = ImportJob.objects.select_for_update().select_related("cycle").get(pk=job.pk)
    if job.status != Status.FAILED:
        raise ServiceError(
            _("Chỉ lượt nhập bị gián đoạn hoặc gặp lỗi hệ thống mới có thể chạy lại.")
        )
    if not job.file:
        raise ServiceError(
            _(
                "Tệp của lượt nhập này không được lưu trên máy chủ (nhập từ dòng lệnh): hãy "
                "chạy lại lệnh nhập."
            )
        )
    if Response.objects.filter(cycle=job.cycle, job=job).exists():
        raise ServiceError(_("Lượt nhập này đã ghi phiếu: không thể chạy lại."))
    importing = bool(job.mode)
    job.status = Status.QUEUED if importing else Status.PENDING
    if importing:
        job.started_by = user
    job.message = ""
    job.progress = 0
    job.phase = _("Đang chờ xử lý")
    job.finished_at = None
    job.heartbeat_at = timezone.now()
    job.task_id = ""
    job.save()
    log_action("survey.import_restarted", actor=user, target=job, cycle=job.cycle, mode=job.mode)
    task = tasks.run_import if importing else tasks.validate_import
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_job(task, job_id))
    return job
