"""An import killed (kill -9) while it writes leaves no partial rows: the import is one
transaction. Runs the real command in a subprocess against a file-based SQLite database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = 400_000


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _job(db: Path) -> tuple[str, int] | None:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            row = con.execute(
                "SELECT status, progress FROM surveys_importjob ORDER BY id DESC LIMIT 1"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError:
        return None
    return row


def test_an_import_killed_while_writing_leaves_no_rows(tmp_path):
    env = {**os.environ, "PARINDEX_DATA_DIR": str(tmp_path), "TASKS_BACKEND": "immediate"}
    env.pop("DATABASE_URL", None)
    _run(env, "manage.py", "migrate", "-v0")
    cycle, path = _run(
        env, str(Path(__file__).with_name("kill_helper.py")), "setup", str(ROWS)
    ).split()
    db = tmp_path / "parindex.sqlite3"
    wal = tmp_path / "parindex.sqlite3-wal"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_survey", "--cycle", cycle, "--user", "quanly", path],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = _job(db)
            if job and job[0] == "importing" and job[1] == 75:
                break  # the check is over, the write transaction is open
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            time.sleep(0.01)
        else:
            pytest.fail("the import never reached its write phase")
        size = wal.stat().st_size if wal.exists() else 0
        grown = time.monotonic() + 20
        while (wal.stat().st_size if wal.exists() else 0) <= size + 1_000_000:
            assert time.monotonic() < grown, "the write phase did not start writing"
            time.sleep(0.005)
        assert proc.poll() is None, "the import finished before it could be killed"
        assert _job(db) == ("importing", 75), "killed after the transaction: test too slow"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT COUNT(*) FROM surveys_response").fetchone() == (0,)
        assert con.execute("SELECT COUNT(*) FROM surveys_surveyscore").fetchone() == (0,)
        status = con.execute("SELECT status FROM surveys_importjob").fetchone()
        assert status == ("importing",)  # never marked done: the same transaction held it
    finally:
        con.close()
