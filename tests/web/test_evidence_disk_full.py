"""The disk full during an evidence upload (issue 12, faults): the upload is refused with a
clear message, no Evidence row, no audit row, no partial file; once there is room again the
same upload goes through.

On a real 1 MiB tmpfs when the test may mount one (root), for both ways Django hands over an
upload: in memory (written in chunks) and a temporary file (copied across file systems).
Everywhere: a simulated disk whose writes under the media folder fail with ENOSPC after
64 KiB (the same storage code path, Django's FileSystemStorage._save)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.assessment.models import Evidence
from parindex.audit.models import LogEntry

pytestmark = pytest.mark.django_db

FULL = "Kho lưu trữ tệp đã hết dung lượng"


def pdf(size: int) -> bytes:
    """A PDF of about `size` bytes (the upload check reads the type from the content)."""
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    return head + b"%" + b"x" * max(0, size - len(head) - 8) + b"\n%%EOF\n"


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(client, p, content: bytes, name: str = "bao-cao.pdf"):
    return client.post(
        reverse("evidence_upload", args=[p.pk]),
        {"file": SimpleUploadedFile(name, content), "title": "Báo cáo"},
    )


def assert_refused_and_nothing_left(response, media: Path) -> None:
    assert response.status_code == 200  # the library again, with the message
    assert FULL in response.content.decode()
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.filter(action="evidence.uploaded").exists()
    assert files_under(media) == []


@pytest.fixture
def tmpfs(tmp_path, settings):
    """MEDIA_ROOT on a fresh 1 MiB tmpfs (unmounted after); skipped where mounting is not
    allowed (not root, no CAP_SYS_ADMIN)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        settings.MEDIA_ROOT = mount
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], timeout=30, check=False)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param(2 * 1024 * 1024, id="in-memory-upload"),
        pytest.param(6 * 1024 * 1024, id="temporary-file-upload"),  # > FILE_UPLOAD_MAX_MEMORY
    ],
)
def test_a_full_tmpfs_refuses_the_upload_and_keeps_nothing(tmpfs, self_world, self_login, size):
    p = self_world["p"]
    officer = self_login(self_world["officer"])
    response = upload(officer, p, pdf(size))
    assert_refused_and_nothing_left(response, tmpfs)
    # room enough for a small one: the same storage works again
    assert upload(officer, p, pdf(20_000), "nho.pdf").status_code == 302
    ev = Evidence.objects.get()
    assert (tmpfs / ev.file.name).stat().st_size == ev.size
    assert LogEntry.objects.filter(action="evidence.uploaded").count() == 1


class LimitedWriter:
    """A file open for writing that fails with ENOSPC once `room` bytes are written."""

    def __init__(self, real, room: int):
        self.real, self.room = real, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            self.real.write(data[: self.room])  # what fits is written, as on a real disk
            self.real.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return self.real.write(data)

    def __getattr__(self, name):
        return getattr(self.real, name)


def full_disk_under(media: Path, room: int):
    """os.fdopen patched: a file opened under `media` takes `room` bytes, then ENOSPC."""
    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        f = real_fdopen(fd, *args, **kwargs)
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return f
        return LimitedWriter(f, room) if path.startswith(str(media)) else f

    return mock.patch("os.fdopen", fdopen)


def test_writes_failing_with_enospc_part_way_leave_no_file(
    tmp_path, settings, self_world, self_login
):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the media folder's files")
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    p = self_world["p"]
    officer = self_login(self_world["officer"])
    with full_disk_under(media, 64 * 1024):
        response = upload(officer, p, pdf(300_000))
    assert_refused_and_nothing_left(response, media)
    assert upload(officer, p, pdf(300_000)).status_code == 302  # room again
    assert len(files_under(media)) == 1 and Evidence.objects.count() == 1
