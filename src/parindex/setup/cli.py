"""`parindex setup import FILE.xlsx` / `parindex setup export --out FILE.xlsx`: the set-up
workbook on the command line (with the administrator's rights)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def add_setup_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["import", "export", "template"])
    p.add_argument("file", nargs="?", default="", help="tệp .xlsx cần nhập")
    p.add_argument("--out", "-o", help="tệp .xlsx để ghi (export, template)")
    p.add_argument(
        "--no-mail", action="store_true", help="không gửi e-mail đặt mật khẩu cho tài khoản mới"
    )


def run_setup(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    from . import workbook as wb

    call_command("migrate", verbosity=0, interactive=False)
    if args.action in ("export", "template"):
        if not args.out:
            sys.stderr.write("Thiếu --out" + "\n")
            return 2
        data = wb.workbook_bytes() if args.action == "template" else wb.workbook_export()
        Path(args.out).write_bytes(data)
        _out(f"Đã ghi {args.out}")
        return 0
    if not args.file:
        sys.stderr.write("Thiếu tên tệp .xlsx" + "\n")
        return 2
    path = Path(args.file)
    if not path.exists():
        sys.stderr.write(f"Không tìm thấy tệp {path}" + "\n")
        return 2
    try:
        done = wb.workbook_import(
            user=None, data=path.read_bytes(), send_links=not args.no_mail, name=path.name
        )
    except wb.WorkbookRefused as exc:
        sys.stderr.write(f"Lỗi: {exc}" + "\n")
        for error in exc.errors:
            sys.stderr.write(f"  - {error}" + "\n")
        return 1
    _out(
        f"Đã nhập: {done.units_created} đơn vị mới, {done.units_updated} đơn vị cập nhật, "
        f"{done.accounts_created} tài khoản mới, {done.accounts_updated} tài khoản cập nhật, "
        f"{done.roles_added} vai trò."
    )
    return 0
