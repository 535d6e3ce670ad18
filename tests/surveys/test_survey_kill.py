"""The task worker killed (kill -9) during a survey import: the import is never half applied,
the job is found interrupted (by the recovery command, or when its progress bar polls it),
says so, and imports everything with its points once the user starts it again.

Real subprocesses (kill_helper.py) against a file-based SQLite database and the django-tasks
database backend: one small import each; every wait is bounded and the worker is killed in
any case."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HELPER = str(Path(__file__).with_name("kill_helper.py"))
ROWS = 300
INTERRUPTED = "Nhập bị gián đoạn"


def _env(data: Path, backend: str = "database", **more: str) -> dict[str, str]:
    env = {**os.environ, "PARINDEX_DATA_DIR": str(data), "TASKS_BACKEND": backend, **more}
    env.pop("DATABASE_URL", None)
    env.pop("MEDIA_ROOT", None)
    return env


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def _sql(data: Path, query: str) -> list[tuple]:
    con = sqlite3.connect(data / "parindex.sqlite3")
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, str]:
    """A migrated database with a cycle and a checked file of ROWS valid rows whose import
    was started: its task waits for a worker."""
    data = tmp_path_factory.mktemp("kill-template")
    env = _env(data, "immediate")
    _run(env, "manage.py", "migrate", "-v0")
    job = _run(env, HELPER, "setup", str(ROWS)).split()[-1]
    _run(_env(data), HELPER, "start", job)
    assert _state(data, job)[0] == "queued"
    return data, job


@pytest.fixture
def world(template, tmp_path) -> tuple[Path, str]:
    data = tmp_path / "data"
    shutil.copytree(template[0], data)
    return data, template[1]


def _kill_worker_at(data: Path, point: str) -> None:
    """Start the worker, let it reach `point`, kill it with SIGKILL."""
    marker = data / f"stopped-{point}"
    proc = subprocess.Popen(
        [sys.executable, HELPER, "worker", point, str(marker)],
        cwd=ROOT,
        env=_env(data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the worker ended before {point}: {proc.stderr.read()[-3000:]!r}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker never reached {point}")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _state(data: Path, job: str) -> tuple:
    return _sql(data, f"SELECT status, progress, message FROM surveys_importjob WHERE id={job}")[0]


def _counts(data: Path) -> tuple[int, int, int]:
    return (
        _sql(data, "SELECT COUNT(*) FROM surveys_response")[0][0],
        _sql(data, "SELECT COUNT(*) FROM surveys_surveyscore")[0][0],
        _sql(data, "SELECT COUNT(*) FROM assessment_entry WHERE value != ''")[0][0],
    )


def _restart_and_finish(data: Path, job: str) -> None:
    """The user's "Nhập lại", a worker that runs the queue and stops, then the check."""
    got = json.loads(_run(_env(data), HELPER, "restart", job).splitlines()[-1])
    assert got == {
        "status": "done",
        "progress": 100,
        "rows_imported": ROWS,
        "rows": ROWS,
        "rows_of_job": ROWS,
        "points": got["points"],
        "points_ok": True,
        "entries_ok": True,
    }
    assert got["points"] > 0


@pytest.mark.parametrize(
    ("point", "recovery"),
    [("write", "command"), ("score", "poll")],
    ids=["killed-while-writing-rows", "killed-before-the-points"],
)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_job_is_restarted(world, point, recovery):
    data, job = world
    _kill_worker_at(data, point)
    assert _sql(data, "PRAGMA integrity_check") == [("ok",)]
    # Nothing of the import is there: neither rows, nor points, nor entries.
    assert _counts(data) == (0, 0, 0)
    assert _state(data, job)[0] == "importing"  # what the dead worker left, until recovered

    if recovery == "command":
        out = _run(_env(data), "manage.py", "recover_import_jobs", "--stale-after", "0")
        assert f"#{job}\t" in out
    else:  # the progress bar's poll, with a limit the dead worker's heartbeat is past
        got = json.loads(_run(_env(data, SURVEY_JOB_STALE_AFTER="0"), HELPER, "poll", job))
        assert got == {"status": "failed", "shown": True, "button": True}
    status, _progress, message = _state(data, job)
    assert status == "failed" and message.startswith(INTERRUPTED)
    assert _counts(data) == (0, 0, 0)
    actions = _sql(data, "SELECT action FROM audit_logentry ORDER BY id")
    assert ("survey.import_interrupted",) in actions

    _restart_and_finish(data, job)


def test_a_worker_killed_after_the_commit_leaves_the_rows_with_their_points(world):
    data, job = world
    _kill_worker_at(data, "commit")
    task = _sql(data, "SELECT status FROM django_tasks_database_dbtaskresult")
    assert task == [("RUNNING",)]  # the worker died before it recorded the task's end
    got = json.loads(_run(_env(data), HELPER, "check", job))
    assert (got["status"], got["progress"], got["rows"]) == ("done", 100, ROWS)
    assert got["points"] > 0 and got["points_ok"] and got["entries_ok"]
    # The recovery leaves a finished job alone.
    out = _run(_env(data), "manage.py", "recover_import_jobs", "--stale-after", "0")
    assert f"#{job}\t" not in out
    assert _state(data, job)[:2] == ("done", 100)
