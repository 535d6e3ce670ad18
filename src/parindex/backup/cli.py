"""`parindex backup [--out FILE]` and `parindex restore FILE [--force]`."""

from __future__ import annotations

import argparse
import sys

from django.utils import timezone

from .common import BackupError


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


# exit codes: 0 done, 1 refused (nothing written), 3 backup written but files were missing
MISSING_FILES = 3


def add_backup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        "-o",
        help="tệp sao lưu .tar.gz (mặc định: parindex-backup-NĂMTHÁNGNGÀY-GIỜPHÚTGIÂY.tar.gz)",
    )


def add_restore_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="tệp sao lưu .tar.gz do `parindex backup` tạo")
    p.add_argument(
        "--force",
        action="store_true",
        help="xóa hết dữ liệu đang có trong cơ sở dữ liệu đích trước khi khôi phục",
    )


def run_backup(args: argparse.Namespace) -> int:
    from .snapshot import backup_write

    out = args.out or timezone.localtime().strftime("parindex-backup-%Y%m%d-%H%M%S.tar.gz")
    try:
        report = backup_write(out)
    except BackupError as exc:
        _err(f"Lỗi: {exc}")
        return 1
    m = report.manifest
    _out(
        f"Đã ghi {report.path}: {report.rows} dòng trong {len(m['tables'])} bảng, "
        f"{len(m['media'])} tệp ({m['database']['vendor']}, parindex {m['parindex_version']})."
    )
    if report.missing:
        _err(
            f"Cảnh báo: {len(report.missing)} tệp được ghi trong cơ sở dữ liệu nhưng không có "
            "trong kho tệp (ghi trong manifest.json, mục missing_files):"
        )
        for item in report.missing[:20]:
            _err(f"  - {item['model']} #{item['pk']} ({item['field']}): {item['name']}")
        return MISSING_FILES
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from .restore import restore_archive

    try:
        report = restore_archive(args.file, force=args.force)
    except BackupError as exc:
        _err(f"Lỗi: {exc}")
        return 1
    m = report.manifest
    _out(
        f"Đã khôi phục {report.rows} dòng và {report.files} tệp (mã băm đã kiểm tra) từ bản sao "
        f"lưu tạo lúc {m['created_at']} ({m['database']['vendor']}, parindex "
        f"{m['parindex_version']})."
    )
    if report.missing:
        _err(f"Cảnh báo: bản sao lưu không có {len(report.missing)} tệp (đã thiếu khi sao lưu).")
    return 0
