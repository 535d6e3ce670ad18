"""Response files: check, then import in one transaction (as tasks for the UI)."""

from __future__ import annotations

import io
from collections import defaultdict
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessment.models import Cycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.common.uploads import clean_filename

from ..models import (
    Choice,
    ImportJob,
    Questionnaire,
    Response,
)
from ..responses_io import (
    FileRefused,
    FormSpec,
    Outcome,
    Plan,
    Problem,
    RejectedWriter,
    SlotSpec,
    Table,
    build_plan,
    check_rows,
    open_table,
)
from .common import IMPORT_MAX_BYTES, INSERT_BATCH, _require_manage, _require_open
from .jobs import enqueue_job
from .scores import survey_points_write


def form_specs(cycle: Cycle) -> list[FormSpec]:
    """What a response file may hold: per questionnaire, its answerable questions (slots)
    with their options in code order."""
    options: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for c in Choice.objects.filter(questionnaire__cycle=cycle).order_by(
        "questionnaire_id", "list_name", "position"
    ):
        options[(c.questionnaire_id, c.list_name)].append((c.name, c.label))
    specs = []
    for q in Questionnaire.objects.filter(cycle=cycle).prefetch_related("questions"):
        questions = sorted(q.questions.all(), key=lambda x: x.position)
        slots = tuple(
            SlotSpec(
                name=x.name,
                required=x.required and not x.relevant,
                options=tuple(options[(q.pk, x.list_name)]),
            )
            for x in sorted((x for x in questions if x.slot is not None), key=lambda x: x.slot or 0)
        )
        others = frozenset(x.name for x in questions if x.slot is None)
        specs.append(FormSpec(q.pk, q.group_code, slots, others))
    return specs


def _unit_ids(cycle: Cycle) -> dict[str, int]:
    return dict(cycle.participations.values_list("unit__code", "unit_id"))


def _stored_respondents(cycle: Cycle) -> set[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT respondent FROM surveys_response WHERE cycle_id = %s", [cycle.pk])
        return {r for (r,) in cur.fetchall()}


def _plan(cycle: Cycle, table: Table, stored: set[str] | None = None) -> Plan:
    specs = form_specs(cycle)
    if not specs:
        raise FileRefused(
            [Problem(1, "", "", _("kỳ đánh giá chưa có phiếu khảo sát nào: hãy nhập phiếu trước."))]
        )
    return build_plan(
        table.header,
        specs,
        _unit_ids(cycle),
        _stored_respondents(cycle) if stored is None else stored,
    )


def check_stream(
    cycle: Cycle,
    raw: IO[bytes],
    name: str,
    size: int,
    *,
    rejected: IO[str] | None = None,
    on_progress: Any = None,
) -> tuple[Outcome, Plan]:
    """Read and check a response file. Raises FileRefused when it cannot be read."""
    table = open_table(raw, name, size)
    try:
        plan = _plan(cycle, table)
        writer = RejectedWriter(rejected, plan.header) if rejected is not None else None
        outcome = check_rows(table, plan, on_reject=writer, on_progress=on_progress)
    finally:
        table.close()
    return outcome, plan


def check_bytes(cycle: Cycle, data: bytes, name: str) -> tuple[Outcome, Plan]:
    """check_stream over bytes in memory (small files, tests, double entry)."""
    return check_stream(cycle, io.BytesIO(data), name, len(data))


INSERT_COLUMNS = "cycle_id, questionnaire_id, unit_id, respondent, answers, source, job_id, cluster"
SQLITE_IMPORT_CACHE = -131072  # KiB: a 128 MB page cache while importing
INSERT_SQLITE = (
    "INSERT INTO surveys_response (cycle_id, questionnaire_id, unit_id, respondent, answers, "
    "source, job_id, cluster) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _insert_responses(
    cycle_id: int,
    rows: list[Any],
    source: str,
    job_id: int | None,
    clusters: dict[str, str] | None = None,
) -> int:
    """Insert packed rows (respondent, unit id, questionnaire id, answers, ...) in bulk, in
    the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

    Rows go in sorted by respondent id, so the unique index grows in order instead of at
    random places (Kobo's _uuid ids are random: unsorted, a million of them took twice as
    long on SQLite); SQLite also gets a larger page cache for the duration."""
    if not rows:
        return 0
    rows = sorted(rows, key=itemgetter(0))
    cl = (clusters or {}).get
    vendor = connection.vendor
    connection.ensure_connection()
    if vendor == "postgresql":
        with connection.cursor() as cur:
            raw = cur.cursor
            with raw.copy(f"COPY surveys_response ({INSERT_COLUMNS}) FROM STDIN") as copy:
                write = copy.write_row
                for r in rows:
                    write((cycle_id, r[2], r[1], r[0], r[3], source, job_id, cl(r[0], "")))
        return len(rows)
    if vendor == "sqlite":
        raw_conn = connection.connection
        (cache,) = raw_conn.execute("PRAGMA cache_size").fetchone()
        raw_conn.execute(f"PRAGMA cache_size = {SQLITE_IMPORT_CACHE}")
        cur = raw_conn.cursor()
        try:
            for start in range(0, len(rows), 100_000):
                cur.executemany(
                    INSERT_SQLITE,
                    [
                        (cycle_id, r[2], r[1], r[0], r[3], source, job_id, cl(r[0], ""))
                        for r in rows[start : start + 100_000]
                    ],
                )
        finally:
            cur.close()
            raw_conn.execute(f"PRAGMA cache_size = {int(cache)}")
        return len(rows)
    Response.objects.bulk_create(
        (
            Response(
                cycle_id=cycle_id,
                questionnaire_id=r[2],
                unit_id=r[1],
                respondent=r[0],
                answers=r[3],
                source=source,
                job_id=job_id,
                cluster=cl(r[0], ""),
            )
            for r in rows
        ),
        batch_size=INSERT_BATCH,
    )
    return len(rows)


def _progress(job: ImportJob, percent: int, phase: str) -> None:
    """Record progress (and the job's heartbeat) in its own short write, outside the import
    transaction."""
    job.progress = max(0, min(100, percent))
    job.phase = phase
    job.heartbeat_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        progress=job.progress, phase=phase, heartbeat_at=job.heartbeat_at
    )


def _still_running(job: ImportJob) -> bool:
    """Inside the caller's transaction: is the job still in the state this worker put it in
    (not marked interrupted by the recovery meanwhile)? The write also locks the job's row
    (and, on SQLite, the database) until the caller commits, so the recovery cannot mark it
    while the caller writes."""
    job.heartbeat_at = timezone.now()
    return bool(
        ImportJob.objects.filter(pk=job.pk, status=job.status).update(heartbeat_at=job.heartbeat_at)
    )


def _job_report(job: ImportJob, outcome: Outcome, plan: Plan) -> None:
    job.rows_total = outcome.rows_total
    job.rows_valid = len(outcome.valid)
    job.rows_rejected = outcome.rejected
    job.error_count = outcome.problem_count
    job.errors = [p.as_list() for p in outcome.problems]
    groups = {s.qid: s.group_code for s in plan.forms.values()}
    job.summary = {
        "kinds": dict(outcome.kinds),
        "per_group": {groups.get(k, str(k)): v for k, v in outcome.per_group.items()},
        "notes": plan.notes,
    }


def _open_job_file(job: ImportJob) -> IO[bytes]:
    f = job.file.open("rb")
    return getattr(f, "file", f)


def _check_job(
    job: ImportJob, start: int, span: int, phase: str, stream: IO[bytes] | None = None
) -> tuple[Outcome, Plan] | None:
    """Check the job's file (or `stream`), writing the rejected rows; None (the problems in
    job.header_errors) when the file is unreadable."""
    rejected = io.StringIO()

    def on_progress(_n: int, fraction: float) -> None:
        _progress(job, start + int(span * fraction), phase)

    try:
        with stream if stream is not None else _open_job_file(job) as raw:
            outcome, plan = check_stream(
                job.cycle,
                raw,
                job.original_name,
                job.size,
                rejected=rejected,
                on_progress=on_progress,
            )
    except FileRefused as exc:
        job.header_errors = [p.as_list() for p in exc.problems]
        job.rows_valid = job.rows_rejected = job.rows_total = 0
        job.error_count = len(exc.problems)
        return None
    job.header_errors = []
    _job_report(job, outcome, plan)
    if outcome.rejected:
        base = Path(job.original_name).stem[:60] or "phieu"
        content = ContentFile(rejected.getvalue().encode("utf-8-sig"))
        job.rejected_file.save(f"{base}-dong-bi-loai.csv", content, save=False)
    elif job.rejected_file:
        job.rejected_file.delete(save=False)
    return outcome, plan


@transaction.atomic
def import_job_create(*, cycle: Cycle, file: Any, user: Any) -> ImportJob:
    """Store an uploaded response file and check it (as a task, after commit)."""
    from .. import tasks

    _require_manage(user, cycle)
    _require_open(cycle)
    name = clean_filename(file.name or "phieu.csv")
    size = file.size or 0
    if size == 0:
        raise ServiceError(_("Tệp “%(n)s” rỗng.") % {"n": name})
    if size > IMPORT_MAX_BYTES:
        raise ServiceError(
            _("Tệp “%(n)s” quá lớn; tối đa %(m)s MB.")
            % {"n": name, "m": IMPORT_MAX_BYTES // 1048576}
        )
    if not name.lower().endswith((".csv", ".txt", ".xlsx")):
        raise ServiceError(_("Chỉ nhận tệp CSV hoặc Excel (.xlsx)."))
    job = ImportJob(
        cycle=cycle,
        original_name=name,
        size=size,
        created_by=user,
        heartbeat_at=timezone.now(),
    )
    job.file.save(name, file, save=False)
    job.save()
    log_action("survey.import_uploaded", actor=user, target=job, cycle=cycle, name=name, size=size)
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_job(tasks.validate_import, job_id))
    return job


def import_job_validate(*, job_id: int) -> ImportJob:
    """Task body: check the file and prepare the report (no data is written)."""
    job = ImportJob.objects.select_related("cycle").get(pk=job_id)
    if job.status != ImportJob.Status.PENDING:
        return job
    job.status = ImportJob.Status.VALIDATING
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    _progress(job, 1, _("Đang kiểm tra tệp"))
    try:
        _check_job(job, 1, 98, _("Đang kiểm tra tệp"))
    except Exception as exc:  # noqa: BLE001 - the job must not stay "validating" forever
        _finish(
            job,
            ImportJob.Status.FAILED,
            _("Lỗi hệ thống khi kiểm tra tệp: %(e)s") % {"e": str(exc)[:300]},
        )
        raise
    with transaction.atomic():
        if not _still_running(job):
            return ImportJob.objects.get(pk=job.pk)
        job.status = ImportJob.Status.VALIDATED
        job.progress = 100
        job.phase = ""
        job.save()
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, mode: str, user: Any) -> ImportJob:
    """Import a checked file: every row (only when none was rejected) or the valid rows."""
    from .. import tasks

    _require_manage(user, job.cycle)
    _require_open(job.cycle)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATED or job.header_errors:
        raise ServiceError(_("Tệp này không ở trạng thái có thể nhập."))
    if mode == ImportJob.Mode.ALL and job.rows_rejected:
        raise ServiceError(
            _(
                "Tệp có %(n)s dòng lỗi: không thể nhập tất cả. Hãy sửa tệp, hoặc chỉ nhập "
                "các dòng hợp lệ."
            )
            % {"n": job.rows_rejected}
        )
    if mode not in ImportJob.Mode.values:
        raise ServiceError(_("Cách nhập không hợp lệ."))
    if job.rows_valid == 0:
        raise ServiceError(_("Tệp không có dòng hợp lệ nào."))
    job.status = ImportJob.Status.QUEUED
    job.mode = mode
    job.started_by = user
    job.progress = 0
    job.phase = _("Đang chờ xử lý")
    job.heartbeat_at = timezone.now()
    job.task_id = ""
    job.save()
    log_action("survey.import_started", actor=user, target=job, cycle=job.cycle, mode=mode)
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_job(tasks.run_import, job_id))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Task body: check the file again, then import the rows, recompute the survey points
    and mark the job done in ONE transaction (all or nothing: a worker killed at any point
    leaves no rows, or the rows with their points)."""
    job = ImportJob.objects.select_related("cycle", "cycle__methodology").get(pk=job_id)
    if job.status != ImportJob.Status.QUEUED:
        return job
    job.status = ImportJob.Status.IMPORTING
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    try:
        return _run(job)
    except Exception as exc:  # noqa: BLE001 - record the failure, then let the task fail
        _finish(
            job,
            ImportJob.Status.FAILED,
            _("Lỗi hệ thống, chưa nhập dòng nào: %(e)s") % {"e": str(exc)[:300]},
        )
        raise


def _finish(job: ImportJob, status: str, message: str) -> ImportJob:
    """End a running job (refused or failed) unless the recovery ended it meanwhile."""
    with transaction.atomic():
        if not _still_running(job):
            return ImportJob.objects.get(pk=job.pk)
        job.status = status
        job.message = message
        job.progress = 100 if status == ImportJob.Status.REFUSED else job.progress
        job.phase = ""
        job.finished_at = timezone.now()
        job.save()
    return job


def _refuse(job: ImportJob, message: str) -> ImportJob:
    return _finish(job, ImportJob.Status.REFUSED, message)


def _run(job: ImportJob, stream: IO[bytes] | None = None) -> ImportJob:
    phase = _("Đang kiểm tra lại tệp")
    _progress(job, 1, phase)
    checked = _check_job(job, 1, 69, phase, stream)
    if checked is None:
        return _refuse(job, _("Không đọc được tệp: không nhập dòng nào."))
    outcome, _plan_used = checked
    if job.mode == ImportJob.Mode.ALL and outcome.rejected:
        return _refuse(
            job,
            _("Tệp có %(n)s dòng lỗi: không nhập dòng nào.") % {"n": outcome.rejected},
        )
    rows = outcome.valid
    if not rows:
        return _refuse(job, _("Tệp không có dòng hợp lệ nào."))
    _progress(job, 75, _("Đang ghi dữ liệu và tính điểm điều tra"))
    with transaction.atomic():
        if not _still_running(job):  # marked interrupted meanwhile: write nothing
            return ImportJob.objects.get(pk=job.pk)
        # Responses stored since the check (another import, the online form) win.
        stored = _stored_respondents(job.cycle)
        taken = [r for r in rows if r[0] in stored]
        if taken and job.mode == ImportJob.Mode.ALL:
            refusal = _("%(n)s mã phiếu vừa được nhập bởi lượt khác: không nhập dòng nào.") % {
                "n": len(taken)
            }
        else:
            refusal = ""
            rows = [r for r in rows if r[0] not in stored]
            job.rows_rejected += len(taken)
            _write(job, rows, outcome)
    return _refuse(job, refusal) if refusal else job


def _write(job: ImportJob, rows: list[Any], outcome: Outcome) -> None:
    """In the caller's transaction: store the rows, recompute the survey points, mark the
    job done. Nothing of it is seen (nor left) unless all of it commits."""
    n = _insert_responses(job.cycle_id, rows, Response.Source.IMPORT, job.pk, outcome.clusters)
    job.rows_imported = n
    log_action(
        "survey.imported",
        actor=job.started_by,
        target=job,
        cycle=job.cycle,
        rows=n,
        rejected=job.rows_rejected,
        mode=job.mode,
        name=job.original_name,
    )
    try:
        summary = survey_points_write(cycle=job.cycle, user=job.started_by)
        job.summary = {**job.summary, "scored": summary.as_dict()}
    except ServiceError as exc:  # refused (rights, cycle state): rolled back to its savepoint
        job.message = _("Đã nhập phiếu nhưng chưa tính được điểm: %(e)s") % {"e": str(exc)}
    job.status = ImportJob.Status.DONE
    job.progress = 100
    job.phase = ""
    job.finished_at = timezone.now()
    job.save()


def responses_import_path(
    *, cycle: Cycle, path: str | Path, user: Any, mode: str = ImportJob.Mode.ALL
) -> ImportJob:
    """Import a response file from disk in one go (command line, benchmark): check, store in
    one transaction, score. The file is read in place, not copied."""
    _require_manage(user, cycle)
    _require_open(cycle)
    path = Path(path)
    job = ImportJob.objects.create(
        cycle=cycle,
        original_name=path.name,
        size=path.stat().st_size,
        created_by=user,
        started_by=user,
        mode=mode,
        status=ImportJob.Status.IMPORTING,
        heartbeat_at=timezone.now(),
    )
    with path.open("rb") as stream:
        return _run(job, stream)
