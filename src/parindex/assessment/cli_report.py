"""`parindex report`: a unit's reports on the command line, through the same services as
the web downloads.

    parindex report self-assessment --cycle ID --unit CODE --out FILE.docx
                                    [--evidence-zip FILE.zip] [--user USERNAME]

`self-assessment` writes the Word self-assessment report (services.self_report_docx) and,
with --evidence-zip, the evidence bundle (services.evidence_bundle) of the unit CODE in the
cycle ID. The services check the rights of --user (default: an active administrator: the
command line is the server operator's). Exit codes: 0 written, 1 refused (no such cycle,
unit, participation or account, the service's refusal), 2 a file cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def add_report_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="report", required=True)
    s = sub.add_parser(
        "self-assessment", help="báo cáo tự đánh giá (Word) và bộ tài liệu kiểm chứng (zip)"
    )
    s.add_argument("--cycle", type=int, required=True, help="mã số (id) kỳ đánh giá")
    s.add_argument("--unit", required=True, help="mã đơn vị")
    s.add_argument("--out", "-o", required=True, help="tệp báo cáo .docx")
    s.add_argument("--evidence-zip", help="tệp .zip: tài liệu kiểm chứng theo từng mục")
    s.add_argument(
        "--user", help="tên đăng nhập có quyền tải báo cáo (mặc định: một quản trị viên)"
    )


def _user(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True)
    if username:
        found = users.filter(username=username).first()
        if found is None:
            _err(f"Lỗi: không có tài khoản đang hoạt động “{username}”.")
        return found
    found = users.filter(is_superuser=True).order_by("pk").first()
    if found is None:
        _err("Lỗi: chưa có tài khoản quản trị nào; hãy chỉ định --user.")
    return found


def _participation(cycle_id: int, unit_code: str) -> Any:
    from parindex.assessment.models import Cycle, Participation

    try:
        cycle = Cycle.objects.select_related("methodology", "organiser").get(pk=cycle_id)
    except Cycle.DoesNotExist:
        _err(f"Lỗi: không có kỳ đánh giá số {cycle_id}.")
        return None
    p = (
        Participation.objects.select_related("cycle__methodology", "cycle__organiser", "unit")
        .filter(cycle=cycle, unit__code=unit_code)
        .first()
    )
    if p is None:
        _err(f"Lỗi: đơn vị “{unit_code}” không tham gia kỳ đánh giá {cycle_id} ({cycle.name}).")
    return p


def _write(path: str, chunks: Any) -> bool:
    try:
        with Path(path).open("wb") as f:
            for chunk in chunks:
                f.write(chunk)
    except OSError as exc:
        _err(f"Lỗi: không ghi được {path}: {exc}")
        return False
    return True


def self_assessment(args: argparse.Namespace) -> int:
    from parindex.assessment import services as svc

    p = _participation(args.cycle, args.unit)
    if p is None:
        return 1
    user = _user(args.user)
    if user is None:
        return 1
    try:
        _name, content = svc.self_report_docx(participation=p, user=user)
        bundle = svc.evidence_bundle(participation=p, user=user) if args.evidence_zip else None
    except svc.ServiceError as exc:
        _err(f"Lỗi: {exc}")
        return 1
    if not _write(args.out, [content]):
        return 2
    _out(f"Đã ghi {args.out} ({len(content):,} byte): {p.unit.name}, {p.cycle.name}.")
    if bundle is not None:
        if not _write(args.evidence_zip, bundle[1]):
            return 2
        _out(f"Đã ghi {args.evidence_zip}: tài liệu kiểm chứng của {p.unit.name}.")
    return 0


def run_report(args: argparse.Namespace) -> int:
    return self_assessment(args)
