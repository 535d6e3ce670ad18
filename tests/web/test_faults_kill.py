"""The application process killed (SIGKILL) during a save and during an evidence upload
(issue 12, faults). A real server process (serve_helper.py) on the test's PostgreSQL
database; the test holds a lock on the audit table so the request stops inside its
transaction, after it wrote its rows (the database says which) and before it commits, and
kills the process there. Nothing is committed: no entry, no Evidence row, no audit row; the
item saves normally afterwards. An upload killed while its body is still arriving stores
nothing. The evidence file an upload stored before it was killed is an orphan that
`parindex evidence orphans` finds and, with --delete, removes.

PostgreSQL only (`database` mark: the CI's PostgreSQL run); skipped on SQLite, whose
in-memory test database a second process cannot open (tests/surveys/test_survey_kill.py
kills an import on a SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.urls import reverse
from fault_server import (
    WAIT,
    blocked_backend,
    database_url,
    form_post,
    postgres_only,
    running,
    server_env,
    session_of,
    tables_written_by,
)

from parindex.assessment.models import Entry, Evidence
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = LogEntry._meta.db_table


def pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    return head + b"%" + b"k" * max(0, size - len(head) - 8) + b"\n%%EOF\n"


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def world(tmp_path, self_world, settings):
    sd = postgres_only()
    media = tmp_path / "media"
    media.mkdir()
    p = self_world["p"]
    return {
        "p": p,
        "media": media,
        "env": server_env(tmp_path, database_url(sd), media),
        "db_url": database_url(sd),
        "log": tmp_path / "server.log",
        "session": session_of(self_world["officer"], settings),
    }


def send_in_background(server, method: str, path: str, body: bytes, **headers: str):
    """Send the whole request; the answer is not awaited (the server dies first)."""
    conn = server.connect()
    conn.request(method, path, body=body, headers=server.headers(**headers))
    return conn


def kill_inside_the_transaction(world, method: str, path: str, body: bytes, **headers) -> set:
    """Send the request with the audit table locked, wait until it blocks there (its other
    rows written, uncommitted), SIGKILL the server; the tables it had written."""
    with running(world["env"], world["log"], world["session"]) as server:
        with transaction.atomic():
            with connection.cursor() as c:
                c.execute(f"LOCK TABLE {AUDIT} IN SHARE MODE")  # inserts wait
            conn = send_in_background(server, method, path, body, **headers)
            pid = blocked_backend(AUDIT)
            written = tables_written_by(pid)
            server.kill()
            conn.close()
        # PostgreSQL ends the dead client's transaction: its rows are rolled back
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            with connection.cursor() as c:
                c.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if c.fetchone() == (0,):
                    break
            time.sleep(0.02)
        else:
            pytest.fail("the killed server's database session did not end")
    return written


def save_body(value: str, version: int) -> bytes:
    return urlencode({"value": value, "version": str(version)}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"}


def test_a_save_killed_inside_its_transaction_leaves_nothing(world):
    p = world["p"]
    path = reverse("self_entry_save", args=[p.pk, "1.1.2"])
    written = kill_inside_the_transaction(world, "POST", path, save_body("100", 0), **FORM)
    assert Entry._meta.db_table in written  # it had written the entry when it was killed
    assert not Entry.objects.filter(participation=p, code="1.1.2").exists()
    assert not LogEntry.objects.filter(code="1.1.2").exists()
    # nothing is left locked or half-done: a new server saves the item from version 0
    with running(world["env"], world["log"], world["session"]) as server:
        status, _, html = server.request("POST", path, save_body("100", 0), **FORM)
    assert status == 200 and "Đã lưu" in html, html[-2000:]
    entry = Entry.objects.get(participation=p, code="1.1.2")
    assert (entry.value, entry.version) == ("100", 1)
    assert LogEntry.objects.filter(code="1.1.2").count() == 1


def upload_body(size: int) -> tuple[bytes, str]:
    return form_post({"title": "Báo cáo CCHC"}, {"file": ("bao-cao.pdf", pdf(size))})


def test_an_upload_killed_while_its_body_arrives_stores_nothing(world):
    body, content_type = upload_body(8 * 1024 * 1024)
    path = reverse("evidence_upload", args=[world["p"].pk])
    with running(world["env"], world["log"], world["session"]) as server:
        conn = server.connect()
        conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for k, v in server.headers(**{"Content-Type": content_type}).items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body[: 3 * 1024 * 1024])  # a slow upload: three eighths of it so far
        server.kill()
        conn.close()
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.filter(action="evidence.uploaded").exists()
    assert files_under(world["media"]) == []


def orphans(world, *args: str) -> subprocess.CompletedProcess[str]:
    env = world["env"] | {"DEBUG": "false"}
    return subprocess.run(
        [sys.executable, "-m", "parindex.cli", "evidence", "orphans", "--min-age", "0", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_upload_killed_after_storing_its_file_leaves_only_an_orphan_the_command_removes(
    world,
):
    body, content_type = upload_body(300_000)
    path = reverse("evidence_upload", args=[world["p"].pk])
    written = kill_inside_the_transaction(
        world, "POST", path, body, **{"Content-Type": content_type}
    )
    assert Evidence._meta.db_table in written  # its row was written, never committed
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.filter(action="evidence.uploaded").exists()
    stored = files_under(world["media"])
    assert len(stored) == 1 and stored[0].startswith("evidence/")  # the file: an orphan
    assert os.path.getsize(world["media"] / stored[0]) == len(pdf(300_000))

    found = orphans(world)
    if found.returncode == 2 and "invalid choice" in found.stderr:
        pytest.skip(
            "`parindex evidence orphans` is not on this branch yet (branch sec-input adds it): "
            "the orphan above is not checked against it"
        )
    assert found.returncode == 0, found.stderr
    assert stored[0] in found.stdout and "1 tệp" in found.stdout
    assert files_under(world["media"]) == stored  # found, not removed
    removed = orphans(world, "--delete")
    assert removed.returncode == 0, removed.stderr
    assert files_under(world["media"]) == []
    assert LogEntry.objects.filter(action="evidence.orphans_removed").count() == 1
