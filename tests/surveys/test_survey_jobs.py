"""Survey import jobs whose worker died: the import, its points and its end are one
transaction; a running job that stopped (no heartbeat past the limit, or its task ended) is
marked interrupted with a message the progress bar shows; the user starts it again. The
real kill -9 of a worker is in test_survey_kill.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from survey_helpers import csv_bytes, leader, sipas
from test_survey_imports import start, upload

from parindex.audit.models import LogEntry
from parindex.common.errors import ServiceError
from parindex.surveys import services as svc
from parindex.surveys.models import ImportJob, Response, SurveyScore
from parindex.surveys.services import imports, jobs

ROWS = [sipas(f"S{i}") for i in range(3)] + [leader(f"L{i}") for i in range(2)]
LIMIT = 600


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.SURVEY_JOB_STALE_AFTER = LIMIT


def checked(world, capture) -> ImportJob:
    job = upload(world, csv_bytes(ROWS), capture=capture)
    assert job.status == ImportJob.Status.VALIDATED
    return job


def left_by_a_dead_worker(job: ImportJob, status: str, seconds_ago: int, **more) -> ImportJob:
    """The job as a worker killed `seconds_ago` (its last heartbeat) left it."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        progress=75,
        phase="Đang ghi dữ liệu và tính điểm điều tra",
        heartbeat_at=timezone.now() - dt.timedelta(seconds=seconds_ago),
        **more,
    )
    job.refresh_from_db()
    return job


def test_the_points_are_written_in_the_transaction_of_the_rows(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """A failure while computing the points (here: an error; in production, a kill) leaves
    no rows: earlier the rows were committed first and the points never came."""
    job = checked(world, django_capture_on_commit_callbacks)

    def broken(**_kw):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(imports, "survey_points_write", broken)
    job = start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert "chưa nhập dòng nào" in job.message
    assert Response.objects.count() == 0
    assert not LogEntry.objects.filter(action="survey.imported").exists()


def test_an_import_is_done_only_with_its_points(world, django_capture_on_commit_callbacks):
    job = start(
        world,
        checked(world, django_capture_on_commit_callbacks),
        ImportJob.Mode.ALL,
        django_capture_on_commit_callbacks,
    )
    assert (job.status, job.progress, job.rows_imported) == (ImportJob.Status.DONE, 100, 5)
    assert SurveyScore.objects.filter(participation__cycle=world.cycle).exists()
    assert job.task_id  # the task's result id, for the recovery


def test_a_job_without_heartbeat_past_the_limit_is_interrupted_then_restarted(
    world, django_capture_on_commit_callbacks
):
    job = checked(world, django_capture_on_commit_callbacks)
    job = left_by_a_dead_worker(job, ImportJob.Status.IMPORTING, LIMIT - 60, mode="all")
    assert svc.import_jobs_recover() == []  # still within the limit: maybe alive
    job = left_by_a_dead_worker(job, ImportJob.Status.IMPORTING, LIMIT + 1, mode="all")
    assert [j.pk for j in svc.import_jobs_recover()] == [job.pk]
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.message.startswith("Nhập bị gián đoạn")
    assert "Nhập lại" in job.message
    assert LogEntry.objects.filter(action="survey.import_interrupted").count() == 1
    assert svc.import_jobs_recover() == []  # once

    with django_capture_on_commit_callbacks(execute=True):
        svc.import_job_restart(job=job, user=world.manager)
    job.refresh_from_db()
    assert (job.status, job.progress, job.rows_imported, job.message) == ("done", 100, 5, "")
    assert Response.objects.filter(job=job).count() == 5
    assert job.summary["scored"]["units"] == 4
    assert LogEntry.objects.filter(action="survey.import_restarted").count() == 1


def test_an_interrupted_check_is_checked_again(world, django_capture_on_commit_callbacks):
    job = checked(world, django_capture_on_commit_callbacks)
    job = left_by_a_dead_worker(job, ImportJob.Status.VALIDATING, LIMIT + 1)
    svc.import_jobs_recover()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "Kiểm tra lại" in job.message
    with django_capture_on_commit_callbacks(execute=True):
        svc.import_job_restart(job=job, user=world.manager)
    job.refresh_from_db()
    assert (job.status, job.rows_valid) == (ImportJob.Status.VALIDATED, 5)
    assert Response.objects.count() == 0


@pytest.mark.parametrize(
    ("state", "seconds_ago", "interrupted"),
    [
        ("READY", LIMIT * 10, False),  # waiting for a worker in the queue: not interrupted
        ("RUNNING", LIMIT - 60, False),
        ("RUNNING", LIMIT + 1, True),
        ("FAILED", 0, True),  # the task ended, the job did not
        ("SUCCESSFUL", 0, True),
        (jobs.MISSING, 0, True),
    ],
)
def test_a_queued_job_is_judged_by_its_task(
    world, django_capture_on_commit_callbacks, monkeypatch, state, seconds_ago, interrupted
):
    job = checked(world, django_capture_on_commit_callbacks)
    job = left_by_a_dead_worker(job, ImportJob.Status.QUEUED, seconds_ago, mode="all")
    ImportJob.objects.filter(pk=job.pk).update(task_id="t-1")
    monkeypatch.setattr(jobs, "task_state", lambda task_id: state if task_id == "t-1" else "")
    assert bool(svc.import_jobs_recover()) is interrupted
    job.refresh_from_db()
    assert job.status == (ImportJob.Status.FAILED if interrupted else ImportJob.Status.QUEUED)


def test_a_worker_does_not_write_a_job_marked_interrupted(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """The recovery marked the job while its (slow, not dead) worker was still checking: the
    worker writes nothing and the job stays failed, to be restarted."""
    job = checked(world, django_capture_on_commit_callbacks)
    progress = imports._progress

    def slow(job_, percent, phase):
        progress(job_, percent, phase)
        if percent == 75:
            svc.import_jobs_recover(stale=dt.timedelta(seconds=-1))

    monkeypatch.setattr(imports, "_progress", slow)
    start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert Response.objects.count() == 0


def test_rows_taken_during_the_write_refuse_the_import_for_good(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """The refusal found inside the write transaction is recorded (it was rolled back with
    the transaction, leaving the job "importing")."""
    job = checked(world, django_capture_on_commit_callbacks)
    progress = imports._progress

    def meanwhile(job_, percent, phase):
        progress(job_, percent, phase)
        if percent == 75:  # an online answer with one of the file's ids arrives
            other = upload(
                world, csv_bytes([sipas("S1")]), "b.csv", django_capture_on_commit_callbacks
            )
            monkeypatch.setattr(imports, "_progress", progress)
            start(world, other, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)

    monkeypatch.setattr(imports, "_progress", meanwhile)
    job = start(world, job, ImportJob.Mode.ALL, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.REFUSED
    assert "vừa được nhập bởi lượt khác" in job.message
    assert list(Response.objects.values_list("respondent", flat=True)) == ["S1"]


def test_a_job_left_done_without_points_gets_them(world, django_capture_on_commit_callbacks):
    """What earlier versions left after a kill between the commit and the points."""
    job = start(
        world,
        checked(world, django_capture_on_commit_callbacks),
        ImportJob.Mode.ALL,
        django_capture_on_commit_callbacks,
    )
    SurveyScore.objects.all().delete()
    job = left_by_a_dead_worker(job, ImportJob.Status.DONE, LIMIT + 1)
    ImportJob.objects.filter(pk=job.pk).update(progress=90, summary={})
    svc.import_jobs_recover()
    job.refresh_from_db()
    assert (job.status, job.progress, job.summary["scored"]["units"]) == ("done", 100, 4)
    assert SurveyScore.objects.filter(participation__cycle=world.cycle).exists()
    assert LogEntry.objects.filter(action="survey.import_rescored").count() == 1


def test_only_a_failed_job_of_ones_own_cycle_is_restarted(
    world, django_capture_on_commit_callbacks
):
    job = checked(world, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError, match="gián đoạn"):
        svc.import_job_restart(job=job, user=world.manager)  # validated, not failed
    job = left_by_a_dead_worker(job, ImportJob.Status.FAILED, 0, mode="all")
    with pytest.raises(ServiceError, match="quyền"):
        svc.import_job_restart(job=job, user=world.outsider)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.refresh_from_db()
    with pytest.raises(ServiceError, match="dòng lệnh"):
        svc.import_job_restart(job=job, user=world.manager)


def test_the_progress_bar_shows_the_interruption_and_the_restart_button(
    world, django_capture_on_commit_callbacks
):
    job = checked(world, django_capture_on_commit_callbacks)
    job = left_by_a_dead_worker(job, ImportJob.Status.IMPORTING, LIMIT + 1, mode="all")
    c = Client()
    c.force_login(world.manager)
    url = reverse("surveys:job", args=[world.cycle.pk, job.pk])
    html = c.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Nhập bị gián đoạn" in html
    assert 'hx-trigger="every 1s"' not in html  # the bar stops polling
    assert reverse("surveys:job_restart", args=[world.cycle.pk, job.pk]) in html
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("surveys:job_restart", args=[world.cycle.pk, job.pk]))
    assert r.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.rows_imported) == (ImportJob.Status.DONE, 5)


def test_the_recovery_command(world, django_capture_on_commit_callbacks, capsys):
    job = checked(world, django_capture_on_commit_callbacks)
    job = left_by_a_dead_worker(job, ImportJob.Status.IMPORTING, 5, mode="all")
    call_command("recover_import_jobs")
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.IMPORTING
    call_command("recover_import_jobs", "--stale-after", "0")
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.FAILED
    assert f"#{job.pk}\tphieu.csv" in capsys.readouterr().out
