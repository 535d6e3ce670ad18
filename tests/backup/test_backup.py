"""`parindex backup` / `parindex restore`: a world built with the cast (units, accounts, a
filled and appraised cycle, evidence files, plan-free survey responses, an import file, the
audit log) is backed up, the database emptied and the media directory replaced, restored,
and every row of every model (all apps, through the ORM, by primary key) and every file hash
compared. Also: a newer schema, a non-empty target and a corrupt archive are refused without
writing; a file missing on disk is reported. On PostgreSQL (`-m database` in .ci/run) the
same round trip runs there, and test_across_vendors takes the archive through SQLite (a
`parindex` process of its own) and back."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models

from parindex.accounts.models import OrgUnit
from parindex.assessment import services
from parindex.backup import BackupError
from parindex.backup.restore import database_rows, restore_archive
from parindex.backup.snapshot import backup_write
from parindex.cli import main as cli_main
from parindex.surveys import services as survey
from parindex.surveys.models import ImportJob, Questionnaire, RespondentToken

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HDND_ANSWERS = dict.fromkeys(
    ["ld_cd1", "ld_vb1", "ld_hc1", "ld_bm1", "ld_cb1", "ld_tc1", "ld_dt1"], "A"
)


def build_world(cast) -> None:
    """Rows in most apps and files in every FileField model that has an upload path."""
    cast.cycle(filled=True)
    surveyed = cast.cycle(units=("a", "commune"), methodology="example-province-internal")
    p = cast.part(surveyed, "a")
    for i, body in enumerate([PDF, PDF + b"% second\n", PDF + b"% third\n"]):
        services.evidence_upload(
            participation=p,
            file=SimpleUploadedFile(f"tài liệu {i}.pdf", body, "application/pdf"),
            user=cast.officer,
            title=f"Quyết định số {i}",
            link_code=surveyed.methodology.tree.leaves[0].code if i == 0 else "",
        )
    survey.demo_seed(surveyed, cast.manager)
    q = Questionnaire.objects.get(cycle=surveyed, group_code="hdnd")
    survey.tokens_generate(cycle=surveyed, user=cast.manager, questionnaire=q)
    token = RespondentToken.objects.filter(questionnaire=q).order_by("pk").first()
    survey.web_response_submit(token=token.token, answers=HDND_ANSWERS)
    ImportJob.objects.create(
        cycle=surveyed,
        file=ContentFile(b"respondent,unit,group\n", name="phieu.csv"),
        original_name="phiếu.csv",
        errors=[[2, "unit", "r1", "Đơn vị “Ω” không có"]],
        summary={"z": 1, "a": [1.5, None, "ờ"]},
    )


def every_row() -> dict[str, list[dict]]:
    """Every row of every model with a table (auto-created many-to-many tables too), by pk."""
    return {
        m._meta.label_lower: list(m._base_manager.order_by("pk").values())
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def every_file(rows: dict[str, list[dict]], media: Path) -> dict[str, str]:
    """{storage name: SHA-256} of every file a FileField of a row names."""
    out = {}
    for m in apps.get_models():
        for f in m._meta.local_fields:
            if isinstance(f, models.FileField):
                for row in rows[m._meta.label_lower]:
                    if row[f.attname]:
                        data = (media / row[f.attname]).read_bytes()
                        out[row[f.attname]] = hashlib.sha256(data).hexdigest()
    return out


def empty_database() -> None:
    """What a new server has: the tables, and the rows `migrate` writes (content types)."""
    call_command("flush", interactive=False, verbosity=0)
    assert database_rows() == {}


def assert_restored(before: dict[str, list[dict]], files: dict[str, str], media: Path) -> None:
    after = every_row()
    log = after["audit.logentry"]
    assert log[: len(before["audit.logentry"])] == before["audit.logentry"]
    (restored,) = log[len(before["audit.logentry"]) :]  # the restore's own audit row
    assert restored["action"] == "backup.restored"
    after["audit.logentry"] = before["audit.logentry"]
    assert after.keys() == before.keys()
    for label in before:
        assert after[label] == before[label], label
    assert every_file(after, media) == files
    # the sequences follow the restored keys: a new row gets a key of its own
    OrgUnit.objects.create(code="MOI", name="Đơn vị mới", type=OrgUnit.Type.DEPARTMENT)


def rewrite(src: Path, dst: Path, change) -> None:
    """A copy of the archive whose members pass through change(name, bytes) -> bytes."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dst, "w:gz") as tout:
        for info in tin:
            data = change(info.name, tin.extractfile(info).read())
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))


@pytest.fixture
def world(cast, tmp_path, settings):
    build_world(cast)
    rows = every_row()
    assert rows["assessment.evidence"] and rows["surveys.response"] and rows["audit.logentry"]
    files = every_file(rows, Path(settings.MEDIA_ROOT))
    assert len(files) == 4
    return rows, files


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_every_row_and_every_file(world, tmp_path, settings):
    before, files = world
    report = backup_write(tmp_path / "b.tar.gz")
    assert report.missing == []
    how = report.manifest["database"]["snapshot"]
    assert how.startswith(connection.vendor)  # its own read transaction, not the caller's
    assert report.manifest["tables"]["assessment.evidence"]["rows"] == 3
    assert report.manifest["migrations"]["assessment"]["latest"]
    assert {m["sha256"] for m in report.manifest["media"]} == set(files.values())

    empty_database()
    settings.MEDIA_ROOT = tmp_path / "new-media"
    restored = restore_archive(tmp_path / "b.tar.gz")
    assert restored.files == 4
    assert_restored(before, files, tmp_path / "new-media")


@pytest.mark.django_db(transaction=True)
def test_across_vendors(world, tmp_path, settings):
    """This database -> a SQLite database of another `parindex` process -> back here."""
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite -> SQLite case is the round trip above; run with DATABASE_URL")
    before, files = world
    backup_write(tmp_path / "pg.tar.gz")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DEBUG="true", PARINDEX_DATA_DIR=str(tmp_path / "sq"), MEDIA_ROOT=str(tmp_path / "m"))
    (tmp_path / "sq").mkdir()
    cli = [sys.executable, "-m", "parindex.cli"]
    for args in (
        ["manage", "migrate", "-v0"],
        ["restore", "pg.tar.gz"],
        ["backup", "-o", "sq.tar.gz"],
    ):
        done = subprocess.run([*cli, *args], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "sq.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == "sqlite"

    empty_database()
    settings.MEDIA_ROOT = tmp_path / "back"
    restore_archive(tmp_path / "sq.tar.gz")
    after = every_row()
    # the SQLite restore wrote its own audit row; this restore another
    assert [r["action"] for r in after["audit.logentry"][len(before["audit.logentry"]) :]] == [
        "backup.restored",
        "backup.restored",
    ]
    after["audit.logentry"] = before["audit.logentry"]
    for label in before:
        assert after[label] == before[label], label
    assert every_file(after, tmp_path / "back") == files


def test_a_non_empty_database_is_refused_unless_forced(world, tmp_path):
    before, files = world
    backup_write(tmp_path / "b.tar.gz")  # inside the test's transaction: that snapshot
    OrgUnit.objects.filter(code="XA1").update(name="Đã sửa sau khi sao lưu")
    changed = every_row()
    with pytest.raises(BackupError, match="không trống"):
        restore_archive(tmp_path / "b.tar.gz")
    assert every_row() == changed
    restore_archive(tmp_path / "b.tar.gz", force=True)
    after = every_row()
    assert after["accounts.orgunit"] == before["accounts.orgunit"]
    assert after["audit.logentry"][-1]["action"] == "backup.restored"


def test_a_corrupt_archive_is_refused_without_writing(world, tmp_path, settings):
    before, files = world
    backup_write(tmp_path / "b.tar.gz")

    def flip(name: str, data: bytes) -> bytes:  # one byte of the last media file
        return data[:-1] + b"X" if name == sorted_media[-1] else data

    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        sorted_media = sorted(n for n in tar.getnames() if n.startswith("media/"))
    rewrite(tmp_path / "b.tar.gz", tmp_path / "bad.tar.gz", flip)
    settings.MEDIA_ROOT = tmp_path / "new-media"
    with pytest.raises(BackupError, match="SHA-256 của “media/"):
        restore_archive(tmp_path / "bad.tar.gz", force=True)  # force: would flush first
    assert every_row() == before
    assert not (tmp_path / "new-media").exists()

    # a truncated archive, and a data file edited: refused the same way
    (tmp_path / "cut.tar.gz").write_bytes((tmp_path / "b.tar.gz").read_bytes()[:-300])
    with pytest.raises(BackupError, match="hỏng"):
        restore_archive(tmp_path / "cut.tar.gz", force=True)
    rewrite(
        tmp_path / "b.tar.gz",
        tmp_path / "rows.tar.gz",
        lambda n, d: d.replace(b"Quy\xe1\xba\xbft", b"Quyet") if "evidence" in n else d,
    )
    with pytest.raises(BackupError, match="SHA-256 của “data/assessment.evidence.jsonl"):
        restore_archive(tmp_path / "rows.tar.gz", force=True)
    assert every_row() == before
    assert not (tmp_path / "new-media").exists()


def test_a_backup_of_a_newer_schema_is_refused(world, tmp_path, capsys):
    before, _files = world
    backup_write(tmp_path / "b.tar.gz")

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["assessment"]["applied"].append("9999_from_the_future")
        return json.dumps(manifest).encode()

    rewrite(tmp_path / "b.tar.gz", tmp_path / "new.tar.gz", newer)
    with pytest.raises(BackupError, match="mới hơn.*“assessment”.*“9999_from_the_future”"):
        restore_archive(tmp_path / "new.tar.gz", force=True)
    assert cli_main(["restore", str(tmp_path / "new.tar.gz"), "--force"]) == 1
    assert "9999_from_the_future" in capsys.readouterr().err
    assert every_row() == before

    def older(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["assessment"]["applied"].pop()
        return json.dumps(manifest).encode()

    rewrite(tmp_path / "b.tar.gz", tmp_path / "old.tar.gz", older)
    with pytest.raises(BackupError, match="cũ hơn"):
        restore_archive(tmp_path / "old.tar.gz", force=True)
    assert every_row() == before


def test_a_file_missing_on_disk_is_reported(world, tmp_path, settings, capsys):
    before, files = world
    gone = sorted(files)[0]
    (Path(settings.MEDIA_ROOT) / gone).unlink()
    assert cli_main(["backup", "--out", str(tmp_path / "b.tar.gz")]) == 3
    assert gone in capsys.readouterr().err
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        assert f"media/{gone}" not in tar.getnames()
    (missing,) = manifest["missing_files"]
    assert missing["name"] == gone and missing["field"] == "file"
    assert len(manifest["media"]) == len(files) - 1


def test_the_archive_is_one_gzip_file_with_the_manifest_first(world, tmp_path):
    backup_write(tmp_path / "b.tar.gz")
    with gzip.open(tmp_path / "b.tar.gz") as fh:
        first = tarfile.open(fileobj=fh, mode="r|").next()
    assert first is not None and first.name == "manifest.json"
    assert (tmp_path / "b.tar.gz").stat().st_mode & 0o777 == 0o600
    with pytest.raises(BackupError, match="đã có"):
        backup_write(tmp_path / "b.tar.gz")
