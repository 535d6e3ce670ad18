"""Evidence files without a document (issue 12): an upload refused or failing after its
file was stored removes the file; `parindex evidence orphans` finds the files an upload
killed mid-way left behind, and removes them with --delete (audited)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parindex.assessment import services
from parindex.assessment.models import Evidence
from parindex.audit.models import LogEntry
from parindex.cli import main

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def upload(sc, content=PDF, **kw):
    return services.evidence_upload(
        participation=sc.p_department,
        file=SimpleUploadedFile("kh.pdf", content),
        user=sc.users["officer"],
        **kw,
    )


def test_a_failure_after_the_file_is_stored_removes_it(small_cycle, media):
    with (
        mock.patch.object(services.evidence, "log_action", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        upload(small_cycle)
    assert not Evidence.objects.exists()
    assert files(media) == []


def test_the_same_file_is_one_document(small_cycle, media):
    first = upload(small_cycle, title="Kế hoạch")
    again = upload(small_cycle, title="Kế hoạch (lần 2)", link_code="1.1.1")
    assert again.pk == first.pk and again.reused and not first.reused
    assert len(files(media)) == 1
    assert list(again.links.values_list("entry__code", flat=True)) == ["1.1.1"]
    assert LogEntry.objects.filter(action="evidence.uploaded").count() == 1
    other = upload(small_cycle, content=PDF + b"% another\n")
    assert other.pk != first.pk and len(files(media)) == 2


def test_the_orphans_command_finds_counts_and_deletes(small_cycle, media, capsys):
    kept = upload(small_cycle)
    stray = media / "evidence" / "9" / "9" / "dead.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x" * 1234)
    other = media / "plans" / "keep.pdf"  # outside the evidence storage: not ours
    other.parent.mkdir(parents=True)
    other.write_bytes(b"y")

    # a file just stored may belong to an upload in progress: left alone by default
    assert main(["evidence", "orphans"]) == 0
    assert "0 tệp" in capsys.readouterr().out

    assert main(["evidence", "orphans", "--min-age", "0"]) == 0
    out = capsys.readouterr().out
    assert "evidence/9/9/dead.pdf" in out and "1 tệp" in out and "1234 byte" in out
    assert "--delete" in out and stray.exists()

    assert main(["evidence", "orphans", "--min-age", "0", "--delete"]) == 0
    out = capsys.readouterr().out
    assert "Đã xóa 1 tệp" in out and "1234 byte" in out
    assert not stray.exists() and other.exists()
    assert (media / kept.file.name).exists()
    row = LogEntry.objects.get(action="evidence.orphans_removed")
    assert row.data["count"] == 1 and row.data["size"] == 1234
    assert row.data["files"] == ["evidence/9/9/dead.pdf"]

    assert main(["evidence", "orphans", "--min-age", "0"]) == 0
    assert "0 tệp" in capsys.readouterr().out


def test_services_refuse_nul_bytes_whatever_calls_them(small_cycle):
    # the forms and the API refuse them first; the services are the last guard
    from parindex.common.errors import ServiceError

    sc = small_cycle
    for value, note in (("90", "a\x00b"), ("9\x000", None)):
        with pytest.raises(ServiceError):
            services.entry_save_self(
                participation=sc.p_department,
                code="2.1.1",
                value=value,
                note=note,
                user=sc.users["officer"],
            )
    assert not sc.p_department.entries.exists()
