"""Importing response files: the row-level report (line, column, respondent), all or nothing,
the valid rows only with the rejected ones downloadable, Kobo/ODK exports, tasks and jobs."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from survey_helpers import csv_bytes, leader, sipas

from parindex.assessment.models import Cycle
from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.surveys import services as svc
from parindex.surveys.models import ImportJob, Response


def upload(w, data: bytes, name: str = "phieu.csv", capture=None) -> ImportJob:
    f = SimpleUploadedFile(name, data, content_type="text/csv")
    with capture(execute=True):
        job = svc.import_job_create(cycle=w.cycle, file=f, user=w.manager)
    job.refresh_from_db()
    return job


def start(w, job: ImportJob, mode: str, capture) -> ImportJob:
    with capture(execute=True):
        svc.import_job_start(job=job, mode=mode, user=w.manager)
    job.refresh_from_db()
    return job


def problems(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(line, col, msg) for line, col, _r, msg in job.errors]


def test_a_valid_file_is_checked_then_imported_then_scored(
    world, django_capture_on_commit_callbacks
):
    rows = [sipas(f"S{i}") for i in range(3)] + [leader(f"L{i}") for i in range(2)]
    job = upload(world, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALIDATED
    assert (job.rows_total, job.rows_valid, job.rows_rejected) == (5, 5, 0)
    assert job.summary["per_group"] == {"nguoi_dan": 3, "lanh_dao_so": 2}
    assert Response.objects.count() == 0  # checking writes nothing
    job = start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and job.progress == 100
    assert job.rows_imported == 5
    assert Response.objects.filter(cycle=world.cycle).count() == 5
    assert job.summary["scored"]["units"] == 4
    assert LogEntry.objects.filter(action="survey.imported").count() == 1


def test_each_wrong_row_is_reported_with_line_column_and_respondent(
    world, django_capture_on_commit_callbacks
):
    rows = [
        sipas("A1"),  # line 2: fine
        sipas("A2", unit="LC-X-KHONG"),  # line 3: unknown unit
        sipas("A3", tc2="7"),  # line 4: not an option
        sipas("A1"),  # line 5: duplicate of line 2
        sipas("A5", tt3=""),  # line 6: required answer missing
        {**sipas("A6"), "group": "doanh_nghiep"},  # line 7: unknown group
        sipas("", unit="LC-SYT"),  # line 8: no respondent id
        leader("A8", ld_dt1="a"),  # line 9: options are case-sensitive
    ]
    job = upload(world, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    found = problems(job)
    assert (3, "unit", "đơn vị “LC-X-KHONG” không tham gia kỳ đánh giá này.") in found
    assert (
        4,
        "tc2",
        "“7” không phải phương án của câu hỏi (chọn một trong: 1, 2, 3, 4, 5, 9).",
    ) in found
    assert (5, "respondent", "mã phiếu “A1” trùng với dòng 2 của tệp.") in found
    assert (6, "tt3", "câu hỏi bắt buộc chưa được trả lời.") in found
    assert (
        7,
        "group",
        "nhóm “doanh_nghiep” không có phiếu (các nhóm: hdnd, lanh_dao_so, lanh_dao_xa, nguoi_dan).",
    ) in found
    assert (8, "respondent", "thiếu mã phiếu.") in found
    assert (
        9,
        "ld_dt1",
        "“a” không phải phương án của câu hỏi (chọn một trong: A, B, C, D, E).",
    ) in found
    assert (job.rows_total, job.rows_valid, job.rows_rejected) == (8, 1, 7)
    assert job.summary["kinds"]["duplicate_file"] == 1


def test_a_bad_file_imports_nothing(world, django_capture_on_commit_callbacks):
    job = upload(
        world,
        csv_bytes([sipas("B1"), sipas("B2", unit="X")]),
        capture=django_capture_on_commit_callbacks,
    )
    with pytest.raises(ServiceError, match="không thể nhập tất cả"):
        svc.import_job_start(job=job, mode=ImportJob.Mode.ALL, user=world.manager)
    assert Response.objects.count() == 0


def test_the_valid_rows_only_and_the_rejected_rows_with_their_reason(
    world, django_capture_on_commit_callbacks
):
    rows = [sipas("C1"), sipas("C2", tc1="x"), sipas("C3"), sipas("C4", unit="=cmd()")]
    job = upload(world, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    job = start(world, job, ImportJob.Mode.VALID_ONLY, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert sorted(Response.objects.values_list("respondent", flat=True)) == ["C1", "C3"]
    text = job.rejected_file.open("rb").read().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:5] == ["dong", "ly_do", "respondent", "unit", "group"]
    assert table[1][:3] == [
        "3",
        "tc1: “x” không phải phương án của câu hỏi (chọn một trong: 1, 2, 3, 4, 5, 9).",
        "C2",
    ]
    assert table[2][0] == "5" and table[2][1].startswith("unit: đơn vị")
    assert table[2][3] == "'=cmd()"  # no formula runs when the file is opened in a spreadsheet


def test_respondents_already_stored_are_duplicates(world, django_capture_on_commit_callbacks):
    first = upload(
        world, csv_bytes([sipas("D1"), sipas("D2")]), capture=django_capture_on_commit_callbacks
    )
    start(world, first, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    second = upload(
        world, csv_bytes([sipas("D2"), sipas("D3")]), capture=django_capture_on_commit_callbacks
    )
    assert problems(second) == [
        (2, "respondent", "mã phiếu “D2” đã có trong dữ liệu điều tra của kỳ này.")
    ]


def test_rows_stored_between_check_and_import_refuse_an_all_import(
    world, django_capture_on_commit_callbacks
):
    job = upload(
        world, csv_bytes([sipas("E1"), sipas("E2")]), capture=django_capture_on_commit_callbacks
    )
    other = upload(world, csv_bytes([sipas("E2")]), capture=django_capture_on_commit_callbacks)
    start(world, other, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    job = start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.REFUSED
    assert "không nhập dòng nào" in job.message
    assert list(Response.objects.values_list("respondent", flat=True)) == ["E2"]


def test_a_kobo_export_is_read(world, django_capture_on_commit_callbacks):
    """Semicolons, group paths, metadata and "_" columns, no respondent column (_uuid)."""
    header = ["start", "end", "unit", "group", "phan1/ld_cd1", "phan1/ld_cd2"]
    header += [f"phan2/{q}" for q in ("ld_vb1", "ld_vb2", "ld_hc1", "ld_hc2", "ld_bm1", "ld_bm2")]
    header += [f"phan2/{q}" for q in ("ld_cb1", "ld_cb2", "ld_tc1", "ld_tc2", "ld_dt1", "ld_dt2")]
    header += ["__version__", "meta/instanceID", "_id", "_uuid", "_submission_time", "_index"]
    lines = [";".join(header)]
    for i in range(3):
        answers = ["A"] * 14
        lines.append(
            ";".join(
                ["2025-10-01T08:00:00", "2025-10-01T08:09:00", "LC-STP", "lanh_dao_so"]
                + answers
                + ["v1", f"uuid:{i}", str(i), f"uuid-{i}", "2025-10-01", str(i)]
            )
        )
    data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    job = upload(world, data, "kobo.csv", capture=django_capture_on_commit_callbacks)
    assert job.header_errors == [] and job.rows_valid == 3, job.errors
    job = start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert sorted(Response.objects.values_list("respondent", flat=True)) == [
        "uuid-0",
        "uuid-1",
        "uuid-2",
    ]


def test_a_file_without_a_group_column_uses_the_one_matching_form(
    world, django_capture_on_commit_callbacks
):
    row = {k: v for k, v in sipas("F1").items() if k != "group"}
    job = upload(
        world, csv_bytes([row], header=list(row)), capture=django_capture_on_commit_callbacks
    )
    assert job.rows_valid == 1
    assert "nguoi_dan" in job.summary["notes"][0]


def test_unreadable_headers_refuse_the_file(world, django_capture_on_commit_callbacks):
    job = upload(
        world, b"ma,don_vi,cau_hoi_la\n1,LC-STP,A\n", capture=django_capture_on_commit_callbacks
    )
    assert job.status == ImportJob.Status.VALIDATED and job.rows_valid == 0
    messages = [(e[1], e[3]) for e in job.header_errors]
    assert ("respondent", "thiếu cột mã phiếu (respondent) ở dòng tiêu đề.") in messages
    assert (
        "cau_hoi_la",
        "cột không phải câu hỏi của phiếu nào (kiểm tra tên câu hỏi).",
    ) in messages
    with pytest.raises(ServiceError):
        svc.import_job_start(job=job, mode=ImportJob.Mode.VALID_ONLY, user=world.manager)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe\x00", "UTF-8"),
        ("respondent,unit,group\n".encode("utf-16-le") + b"\x00\xd8", "CSV"),
        (b"respondent,unit,group\nR1,LC-STP,nguoi_dan\n\x9f\x9f\x9f\n", "UTF-8"),
        (b"\x00\x01\x02binary", "CSV"),
    ],
)
def test_files_that_are_not_text_are_refused_with_a_message(world, data, message):
    outcome = None
    try:
        outcome, _plan = svc.check_bytes(world.cycle, data, "x.csv")
    except Exception as exc:  # noqa: BLE001 - the check must only raise FileRefused
        from parindex.surveys.responses_io import FileRefused

        assert isinstance(exc, FileRefused), exc
        assert any(message in p.message for p in exc.problems)
    else:
        assert outcome.rejected or not outcome.valid


def test_an_xlsx_file_is_read_like_a_csv(world, django_capture_on_commit_callbacks):
    rows = [sipas("X1"), sipas("X2", unit="LC-SYT"), sipas("X3", kq1="8")]
    header = list(rows[0])
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([int(v) if v.isdigit() else v for v in (r[h] for h in header)])
    buf = io.BytesIO()
    wb.save(buf)
    job = upload(world, buf.getvalue(), "phieu.xlsx", capture=django_capture_on_commit_callbacks)
    assert (job.rows_valid, job.rows_rejected) == (2, 1)
    assert problems(job)[0][:2] == (4, "kq1")


def test_option_labels_are_accepted_and_spaces_trimmed(world):
    outcome, _plan = svc.check_bytes(
        world.cycle, csv_bytes([leader("G1", ld_cd1="Rất tốt", unit=" LC-STP ")]), "x.csv"
    )
    assert outcome.rejected == 0
    assert outcome.valid[0][3][0] == "0"  # "Rất tốt" is option A, code 0


def test_only_the_manager_may_import(world):
    f = SimpleUploadedFile("p.csv", csv_bytes([sipas("H1")]))
    for user in (world.outsider, world.officer, world.viewer):
        with pytest.raises(ServiceError):
            svc.import_job_create(cycle=world.cycle, file=f, user=user)


def test_a_final_cycle_takes_no_more_responses(world):
    Cycle.objects.filter(pk=world.cycle.pk).update(state=Cycle.State.FINAL)
    world.cycle.refresh_from_db()
    f = SimpleUploadedFile("p.csv", csv_bytes([sipas("H1")]))
    with pytest.raises(ServiceError, match="đã chốt"):
        svc.import_job_create(cycle=world.cycle, file=f, user=world.manager)


def test_the_shipped_sample_reports_its_deliberate_mistakes(world):
    world_units = set(world.units)
    data = svc.SAMPLE_RESPONSES.read_bytes()
    outcome, _plan = svc.check_bytes(world.cycle, data, "responses-laocai.csv")
    # The test world has 4 of the 38 Lào Cai units: rows of the others are "unknown unit".
    assert outcome.rows_total > 2000
    kinds = set(outcome.kinds)
    assert {"option_invalid", "duplicate_file", "required_missing", "group_unknown"} <= kinds
    assert {r[1] for r in outcome.valid} <= {u.pk for u in world.units.values()}
    assert world_units


def test_an_imported_online_respondent_id_is_refused_and_the_link_still_works(
    world, django_capture_on_commit_callbacks
):
    """Imported and online respondents keep apart: an imported "web-34" would take online
    link 34's id, and its respondent would be told the form was sent already (issue 12)."""
    from survey_helpers import HDND_QUESTIONS

    from parindex.surveys.models import RespondentToken

    q = world.forms["hdnd"]
    token = RespondentToken.objects.create(
        cycle=world.cycle, unit=world.units["LC-STP"], questionnaire=q
    )
    rows = [sipas(f"web-{token.pk}"), sipas("web-ban"), sipas("S1")]
    job = upload(world, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert (job.rows_valid, job.rows_rejected) == (2, 1)
    assert (
        2,
        "respondent",
        f"mã phiếu “web-{token.pk}” có dạng web-<số>, dành cho phiếu trả lời trực tuyến; "
        "hãy đặt mã khác.",
    ) in problems(job)
    job = start(world, job, ImportJob.Mode.VALID_ONLY, django_capture_on_commit_callbacks)
    assert job.rows_imported == 2
    r = svc.web_response_submit(token=token.token, answers=dict.fromkeys(HDND_QUESTIONS, "B"))
    assert r.respondent == f"web-{token.pk}" and r.source == Response.Source.WEB
