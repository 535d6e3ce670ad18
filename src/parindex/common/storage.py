"""Where uploaded files are kept, and storing one without leaving half of it behind.

`FileSystemStorage` is Django's, except that a save failing part-way (the disk full, a quota,
an I/O error) removes the part it wrote: Django's own leaves the truncated file. The S3
storage (django-storages, settings.STORAGE_S3_BUCKET) needs no such care: an object is
written whole or not at all (a multipart upload that fails is aborted by boto3).

`store(field_file, name, content)` saves through the field's storage and turns a storage
failure into a ServiceError the user can read ("the storage is full"), the partial file
already gone.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from typing import Any

from django.core.files.storage import FileSystemStorage as _DjangoFileSystemStorage
from django.utils.translation import gettext as _

from parindex.common.errors import ServiceError

log = logging.getLogger(__name__)

# The errors meaning "no room": the disk, a quota, a file size limit.
NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class FileSystemStorage(_DjangoFileSystemStorage):
    """Django's FileSystemStorage; a failed save leaves no partial file."""

    def _save(self, name: str, content: Any) -> str:
        full = self.path(name)
        existed = os.path.lexists(full)
        try:
            return super()._save(name, content)  # type: ignore[misc]  # not in the stubs
        except BaseException:
            # The name was free (get_available_name; random in practice): a file there now
            # is the part this save wrote before it failed.
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(full)
            raise


def _storage_errors() -> tuple[type[Exception], ...]:
    """What a storage raises when it cannot store: OSError (a disk), and boto's errors (an
    object storage out of reach, refusing the keys or the bucket)."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


def store(field_file: Any, name: str, content: Any) -> None:
    """field_file.save(name, content) without saving the model; a storage failure becomes
    a ServiceError (nothing left stored)."""
    try:
        field_file.save(name, content, save=False)
    except _storage_errors() as exc:
        log.error("storing %s failed: %s", name, exc)
        if isinstance(exc, OSError) and exc.errno in NO_SPACE:
            raise ServiceError(
                _(
                    "Kho lưu trữ tệp đã hết dung lượng: tệp chưa được lưu. Vui lòng báo quản trị "
                    "viên, rồi tải lên lại."
                )
            ) from exc
        raise ServiceError(
            _("Không lưu được tệp vào kho lưu trữ: tệp chưa được lưu. Vui lòng thử lại sau.")
        ) from exc
