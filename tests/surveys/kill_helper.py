"""Run in subprocesses by test_survey_kill.py against a file-based SQLite database
(PARINDEX_DATA_DIR); TASKS_BACKEND chooses the task backend of each step.

setup N          a cycle with the sample questionnaires and an uploaded, checked file of N
                 valid rows (immediate backend); prints the job's id
start JOB        start the import (database backend: the task waits for a worker)
worker POINT F   run the task worker (db_worker --batch). POINT "write": the worker stops
                 for good right after inserting the rows, inside the import transaction;
                 "score": right before the survey points are computed (the point where
                 earlier versions had already committed the rows); "commit": right after the
                 task body returned (committed), before the worker records the task's end;
                 "none": no stop. At the stop it creates the file F and waits to be killed.
poll JOB         the job's page as polled by the progress bar (htmx), as the manager;
                 prints the job's state after it
restart JOB      the user's "Nhập lại" (import_job_restart), then a worker that runs the
                 queue and stops, then check JOB
check JOB        prints the job, its rows and whether the stored survey points and the
                 units' entries are those the stored rows give (JSON)
"""

from __future__ import annotations

import csv
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from parindex.accounts.models import Membership, OrgUnit  # noqa: E402
from parindex.assessment import services as a  # noqa: E402
from parindex.assessment.models import Entry  # noqa: E402
from parindex.surveys import services as s  # noqa: E402
from parindex.surveys.models import ImportJob, Response, SurveyScore  # noqa: E402
from parindex.surveys.sample_data import generate, header_for, load_sample_forms  # noqa: E402
from parindex.surveys.services import imports  # noqa: E402
from parindex.surveys.services.scores import _value_text  # noqa: E402

METHODOLOGIES = Path(__file__).resolve().parents[2] / "src/parindex/methodologies"


def setup(n: int) -> None:
    source = (METHODOLOGIES / "example-province-internal.yaml").read_text(encoding="utf-8")
    mv = a.methodology_install(source=source)
    snv = OrgUnit.objects.create(code="SNV", name="Sở Nội vụ", type="department")
    units = [OrgUnit.objects.create(code=f"X{i}", name=f"Xã {i}", type="commune") for i in range(4)]
    user = User.objects.create(username="quanly")
    Membership.objects.create(user=user, role="manager", unit=snv)
    cycle = a.cycle_create(name="Kỳ thử", year=2025, methodology=mv, organiser=snv, units=units)
    s.demo_seed(cycle, user)
    forms = [f for f in load_sample_forms() if f.group_code == "nguoi_dan"]
    path = Path(os.environ["PARINDEX_DATA_DIR"]) / "phieu.csv"
    counts = {(u.code, "nguoi_dan"): 100 for u in units}
    pool = list(generate([u.code for u in units], forms, counts))
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header_for(forms))
        for i in range(n):  # the pool again and again, with new respondent ids
            row = pool[i % len(pool)]
            row[0] = f"K{i:08d}"
            w.writerow(row)
    upload = SimpleUploadedFile("phieu.csv", path.read_bytes(), content_type="text/csv")
    job = s.import_job_create(cycle=cycle, file=upload, user=user)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED and job.rows_valid == n, job.status
    print(job.pk)


def _manager() -> User:
    return User.objects.get(username="quanly")


def _stop_at(target: Any, name: str, marker: Path, after: bool) -> None:
    """Replace target.name by a wrapper that creates `marker` and then waits to be killed
    (before or after calling the original)."""
    original = getattr(target, name)

    def stop() -> None:
        marker.touch()
        threading.Event().wait(300)  # killed long before; never returns on its own
        raise SystemExit("not killed")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not after:
            stop()
        result = original(*args, **kwargs)
        stop()
        return result

    setattr(target, name, wrapper)


def worker(point: str, marker: str) -> None:
    stops = {
        "write": (imports, "_insert_responses", True),
        "score": (imports, "survey_points_write", False),
        "commit": (s, "import_job_run", True),
    }
    if point in stops:
        target, name, after = stops[point]
        _stop_at(target, name, Path(marker), after)
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0.1")


def poll(job_id: int) -> None:
    from django.test import Client
    from django.urls import reverse

    job = ImportJob.objects.get(pk=job_id)
    client = Client()
    client.force_login(_manager())
    url = reverse("surveys:job", args=[job.cycle_id, job.pk])
    page = client.get(url, HTTP_HX_REQUEST="true", HTTP_HOST="localhost")
    assert page.status_code == 200, page.status_code
    job.refresh_from_db()
    html = page.content.decode()
    print(
        json.dumps(
            {"status": job.status, "shown": job.message in html, "button": "Nhập lại" in html}
        )
    )


def restart(job_id: int) -> None:
    job = s.import_job_restart(job=ImportJob.objects.get(pk=job_id), user=_manager())
    assert job.status == ImportJob.Status.QUEUED, job.status
    worker("none", "")
    check(job_id)


def check(job_id: int) -> None:
    job = ImportJob.objects.select_related("cycle").get(pk=job_id)
    stored = {
        (x.participation_id, x.code): x.mean
        for x in SurveyScore.objects.filter(
            participation__cycle=job.cycle, kind=SurveyScore.Kind.LEAF
        )
    }
    computed = {
        (u.participation.pk, leaf.code): leaf.stat.mean
        for u in s.survey_compute(job.cycle)
        for leaf in u.leaves.values()
        if leaf.stat is not None
    }
    entries = {
        (e.participation_id, e.code): e.value
        for e in Entry.objects.filter(
            participation__cycle=job.cycle, code__in={c for _p, c in computed}
        )
    }
    print(
        json.dumps(
            {
                "status": job.status,
                "progress": job.progress,
                "rows_imported": job.rows_imported,
                "rows": Response.objects.filter(cycle=job.cycle).count(),
                "rows_of_job": Response.objects.filter(cycle=job.cycle, job=job).count(),
                "points": len(stored),
                "points_ok": bool(computed) and stored == computed,
                "entries_ok": entries == {k: _value_text(v) for k, v in computed.items()},
            }
        )
    )


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "setup":
        setup(int(rest[0]))
    elif command == "start":
        s.import_job_start(
            job=ImportJob.objects.get(pk=int(rest[0])), mode=ImportJob.Mode.ALL, user=_manager()
        )
    elif command == "worker":
        worker(rest[0], rest[1])
    elif command == "poll":
        poll(int(rest[0]))
    elif command == "restart":
        restart(int(rest[0]))
    elif command == "check":
        check(int(rest[0]))
    else:
        raise SystemExit(f"unknown command {command}")
