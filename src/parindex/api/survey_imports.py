"""Survey responses for integrations (a survey platform, a call centre): rows of answers in
JSON, imported by the survey component's own services. The rows become a response file
(CSV) and follow the path of an uploaded file: checked by a task, then imported all or
nothing (mode "all") or the valid rows only (mode "valid_only"), then scored.

With the immediate task backend (development) one request checks and imports; with a worker
(production) the client polls the import and starts it once checked."""

import csv
import io
from typing import Any, Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema, Status

from parindex.assessment.models import Cycle
from parindex.common.errors import ServiceError
from parindex.common.uploads import clean_filename
from parindex.surveys import selectors as survey_sel
from parindex.surveys import services as survey_svc
from parindex.surveys.models import ImportJob

from .auth import user_of
from .errors import ApiError
from .reads import CYCLE_ID, PK_MAX, router
from .schemas import ErrorOut, InSchema

MAX_ROWS = 50_000
FIRST_COLUMNS = ("respondent", "unit", "group")
Mode = Literal["all", "valid_only"]
Cell = str | int | float | None


class SurveyResponsesIn(InSchema):
    rows: list[dict[str, Cell]] = Field(
        ...,
        min_length=1,
        max_length=MAX_ROWS,
        description=(
            "Mỗi phiếu một dòng, như một dòng của tệp phiếu: respondent (mã phiếu), unit (mã "
            "đơn vị), group (nhóm đối tượng) và mã các câu hỏi"
        ),
    )
    mode: Mode | None = Field(
        None,
        description=(
            "Nhập ngay sau khi kiểm tra: all (chỉ khi không có dòng lỗi) hoặc valid_only; "
            "bỏ trống: chỉ kiểm tra"
        ),
    )
    name: str | None = Field(None, max_length=100, description="Tên để nhận ra lượt nhập")


class StartIn(InSchema):
    mode: Mode


class ProblemOut(Schema):
    line: int | None
    column: str
    respondent: str
    message: str


class SurveyImportOut(Schema):
    id: int
    status: str
    status_label: str
    mode: str
    progress: int
    phase: str
    rows_total: int
    rows_valid: int
    rows_rejected: int
    rows_imported: int
    error_count: int
    errors: list[ProblemOut] = Field(..., description="Các lỗi đầu tiên (dòng, cột, mã phiếu)")
    header_errors: list[ProblemOut]
    message: str
    refusal: str = Field(..., description="Lý do chưa nhập khi đã yêu cầu nhập ngay")
    created_at: Any
    finished_at: Any


ERRORS: dict[int | str, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _managed_cycle(user: Any, cycle_id: int) -> Cycle:
    try:
        return survey_sel.managed_cycle(user, cycle_id)
    except Cycle.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy kỳ đánh giá.")) from None
    except survey_sel.NotAllowed:
        raise ApiError(
            403, _("Chỉ cơ quan tổ chức kỳ đánh giá được nhập phiếu khảo sát.")
        ) from None


def _problems(items: list[Any]) -> list[dict[str, Any]]:
    out = []
    for item in items:
        line, column, respondent, message = (list(item) + ["", "", "", ""])[:4]
        out.append(
            {
                "line": line if isinstance(line, int) else None,
                "column": str(column or ""),
                "respondent": str(respondent or ""),
                "message": str(message or ""),
            }
        )
    return out


def job_out(job: ImportJob, refusal: str = "") -> dict[str, Any]:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "mode": job.mode,
        "progress": job.progress,
        "phase": job.phase,
        "rows_total": job.rows_total,
        "rows_valid": job.rows_valid,
        "rows_rejected": job.rows_rejected,
        "rows_imported": job.rows_imported,
        "error_count": job.error_count,
        "errors": _problems(job.errors),
        "header_errors": _problems(job.header_errors),
        "message": job.message,
        "refusal": refusal,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


def rows_csv(rows: list[dict[str, Cell]]) -> bytes:
    """The rows as a response file: respondent, unit, group first, then every other
    column in the order first met; missing cells empty."""
    header = [c for c in FIRST_COLUMNS if any(c in r for r in rows)]
    for row in rows:
        header += [k for k in row if k not in header]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else str(row.get(h)) for h in header])
    return buf.getvalue().encode("utf-8")


def _start(job: ImportJob, mode: str, user: Any) -> tuple[ImportJob, str]:
    try:
        job = survey_svc.import_job_start(job=job, mode=mode, user=user)
    except ServiceError as exc:
        return job, str(exc)
    job.refresh_from_db()
    return job, ""


@router.post(
    "/cycles/{cycle_id}/survey-responses",
    response={202: SurveyImportOut, **ERRORS},
    tags=["surveys"],
)
def survey_responses(
    request: HttpRequest, body: SurveyResponsesIn, cycle_id: int = CYCLE_ID
) -> Any:
    """Send survey responses (organiser). They are checked like an uploaded response file;
    with `mode` they are imported as soon as checked. Answer: the import and its report."""
    user = user_of(request)
    cycle = _managed_cycle(user, cycle_id)
    name = clean_filename(body.name or timezone.localtime().strftime("api-%Y%m%d-%H%M%S"))
    if not name.lower().endswith(".csv"):
        name += ".csv"
    upload = SimpleUploadedFile(name, rows_csv(body.rows), content_type="text/csv")
    job = survey_svc.import_job_create(cycle=cycle, file=upload, user=user)
    job.refresh_from_db()
    refusal = ""
    if body.mode and job.status == ImportJob.Status.VALIDATED:
        job, refusal = _start(job, body.mode, user)
    return Status(202, job_out(job, refusal))


def _job(user: Any, cycle_id: int, job_id: int) -> ImportJob:
    cycle = _managed_cycle(user, cycle_id)
    try:
        return survey_sel.import_job(cycle, job_id)
    except ImportJob.DoesNotExist:
        raise ApiError(404, _("Không tìm thấy lượt nhập phiếu.")) from None


JOB_ID = Path(..., ge=1, le=PK_MAX, description="Mã số lượt nhập phiếu")


@router.get(
    "/cycles/{cycle_id}/survey-imports/{job_id}",
    response={200: SurveyImportOut, **ERRORS},
    tags=["surveys"],
)
def survey_import(request: HttpRequest, cycle_id: int = CYCLE_ID, job_id: int = JOB_ID) -> Any:
    """An import of survey responses: its state, counts and first problems."""
    job = survey_svc.import_job_refresh(_job(user_of(request), cycle_id, job_id))
    return Status(200, job_out(job))


@router.post(
    "/cycles/{cycle_id}/survey-imports/{job_id}/start",
    response={202: SurveyImportOut, **ERRORS},
    tags=["surveys"],
)
def survey_import_start(
    request: HttpRequest, body: StartIn, cycle_id: int = CYCLE_ID, job_id: int = JOB_ID
) -> Any:
    """Import checked responses: all rows (only when none was rejected) or the valid ones."""
    user = user_of(request)
    job, refusal = _start(_job(user, cycle_id, job_id), body.mode, user)
    if refusal:
        raise ApiError(400, refusal)
    return Status(202, job_out(job))
