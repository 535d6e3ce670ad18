"""`parindex cycle`: a cycle's stage checklist, and moving it on (or back), on the command
line, through the same services as the cycle page and the API.

    parindex cycle checklist CYCLE [--to STATE]
    parindex cycle move CYCLE STATE --user USERNAME [--reason TEXT]
                        [--decision-number "123/QĐ-UBND" --decision-date dd/mm/yyyy]
    parindex cycle ministry-import CYCLE FILE --user USERNAME

`ministry-import` enters back the results of the outside body the cycle reports to (the
Ministry's appraisal, the explanation, its final points) from its spreadsheet (.xlsx or
.csv; columns: assessment.services.outside), all or nothing, as USERNAME.

`checklist` prints, for every move the cycle may make now (or the one `--to` names), the
open points computed by transition_checklist and what happens to them. `move` calls
cycle_transition as USERNAME, whose rights apply (a manager of the cycle's organiser or an
administrator); the move is audited under that account. Exit codes: 0 done, 1 refused (no
such cycle or account, the service's refusal), 2 a bad argument.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Cycle.State's values (the parser is built before Django is set up; a test pins them).
STATES = (
    "draft",
    "open",
    "self_closed",
    "appraisal",
    "explanation",
    "appraisal_2",
    "final",
    "published",
)


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def dmy(text: str) -> date:
    """A date written dd/mm/yyyy (as officials write it)."""
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày cần dạng dd/mm/yyyy: “{text}”") from None


def add_cycle_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    c = sub.add_parser("checklist", help="việc còn tồn đọng trước mỗi lần chuyển giai đoạn")
    c.add_argument("cycle", type=int, help="mã số (id) kỳ đánh giá")
    c.add_argument("--to", choices=STATES, help="chỉ lần chuyển sang giai đoạn này")
    m = sub.add_parser("move", help="chuyển kỳ đánh giá sang giai đoạn khác")
    m.add_argument("cycle", type=int, help="mã số (id) kỳ đánh giá")
    m.add_argument("state", choices=STATES, help="giai đoạn mới")
    m.add_argument("--user", required=True, help="tên đăng nhập người chuyển (được ghi nhật ký)")
    m.add_argument("--reason", default="", help="lý do (cần khi còn việc tồn đọng, khi quay lại)")
    m.add_argument("--decision-number", default="", help="công bố: số quyết định phê duyệt")
    m.add_argument("--decision-date", type=dmy, help="công bố: ngày quyết định (dd/mm/yyyy)")
    i = sub.add_parser(
        "ministry-import",
        help="nhập kết quả thẩm định, giải trình, điểm cuối cùng của cấp trên từ tệp",
    )
    i.add_argument("cycle", type=int, help="mã số (id) kỳ đánh giá")
    i.add_argument("file", help="tệp .xlsx hoặc .csv của cấp trên")
    i.add_argument("--user", required=True, help="tên đăng nhập người nhập (được ghi nhật ký)")


def _cycle(pk: int) -> Any:
    from parindex.assessment.models import Cycle

    try:
        return Cycle.objects.select_related("methodology", "organiser").get(pk=pk)
    except Cycle.DoesNotExist:
        _err(f"Lỗi: không có kỳ đánh giá số {pk}.")
        return None


def _label(state: str) -> str:
    from parindex.assessment.models import Cycle

    return str(Cycle.State(state).label)


def print_checklist(cycle: Any, only: str | None = None) -> int:
    from parindex.assessment import services as svc

    _out(f"Kỳ đánh giá {cycle.pk}: {cycle.name} — đang ở “{cycle.get_state_display()}”")
    mv = cycle.methodology
    warning = svc.methodology_year_warning(mv.tree, cycle.year, svc.methodology_name(mv))
    if warning:
        _out(f"Cảnh báo: {warning}")
    moves = [m for m in svc.cycle_moves(cycle) if only in (None, m.to_state)]
    if only is not None and not moves:
        _err(f"Lỗi: không chuyển được từ “{cycle.get_state_display()}” sang “{_label(only)}”.")
        return 1
    if not moves:
        _out("Kỳ đánh giá đã kết thúc: không còn giai đoạn nào để chuyển.")
    for move in moves:
        _out()
        arrow = "← Quay lại" if move.back else "→ Chuyển sang"
        needs = []
        if move.reason_required:
            needs.append("cần lý do")
        if move.decision_required:
            needs.append("cần số và ngày quyết định phê duyệt")
        tail = f" — {', '.join(needs)}" if needs else ""
        _out(f"{arrow} “{_label(move.to_state)}” ({move.to_state}){tail}")
        if not move.back and not move.items:
            _out("  Không có việc cần kiểm tra.")
        for item in move.items:
            note = f" ({item.note})" if item.note else ""
            _out(f"  - {item.label}: {item.count}{note}")
            if item.units:
                more = ", …" if item.count > len(item.units) else ""
                _out(f"      {', '.join(item.units)}{more}")
            if item.count:
                _out(f"      Nếu chuyển tiếp: {item.consequence}")
    return 0


def move(args: argparse.Namespace, cycle: Any) -> int:
    from django.contrib.auth import get_user_model

    from parindex.assessment import services as svc

    user = get_user_model().objects.filter(username=args.user, is_active=True).first()
    if user is None:
        _err(f"Lỗi: không có tài khoản đang hoạt động “{args.user}”.")
        return 1
    try:
        moved = svc.cycle_transition(
            cycle=cycle,
            to_state=args.state,
            user=user,
            reason=args.reason,
            decision_number=args.decision_number,
            decision_date=args.decision_date,
        )
    except svc.ServiceError as exc:
        _err(f"Lỗi: {exc}")
        return 1
    _out(f"Đã chuyển kỳ đánh giá {moved.pk} sang “{moved.get_state_display()}”.")
    return 0


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        _err(f"Lỗi: không có tài khoản đang hoạt động “{username}”.")
    return user


def ministry_import(args: argparse.Namespace, cycle: Any) -> int:
    from pathlib import Path

    from parindex.assessment import services as svc

    user = _user(args.user)
    if user is None:
        return 1
    path = Path(args.file)
    if not path.is_file():
        _err(f"Lỗi: không tìm thấy tệp “{args.file}”.")
        return 1
    try:
        table = svc.outside_read_file(path.name, path.read_bytes())
        n = svc.outside_import(cycle=cycle, table=table, user=user)
    except svc.ImportRefused as exc:
        _err(f"Lỗi: {exc}")
        for e in exc.errors:
            _err(f"  {e}")
        return 1
    except svc.ServiceError as exc:
        _err(f"Lỗi: {exc}")
        return 1
    _out(f"Đã nhập {n} dòng kết quả của {cycle.reports_to} vào kỳ đánh giá {cycle.pk}.")
    return 0


def run_cycle(args: argparse.Namespace) -> int:
    cycle = _cycle(args.cycle)
    if cycle is None:
        return 1
    if args.action == "checklist":
        return print_checklist(cycle, args.to)
    if args.action == "ministry-import":
        return ministry_import(args, cycle)
    return move(args, cycle)


# --- parindex evidence orphans ---------------------------------------------------------------


def add_evidence_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True)
    o = sub.add_parser("orphans", help="tệp tài liệu kiểm chứng không thuộc hồ sơ nào")
    o.add_argument("--delete", action="store_true", help="xóa các tệp đó")
    o.add_argument(
        "--min-age",
        type=int,
        default=60,
        metavar="PHÚT",
        help="bỏ qua tệp mới lưu chưa quá số phút này (mặc định 60: có thể đang tải lên)",
    )
    i = sub.add_parser(
        "inspect", help="đọc một tài liệu, in các thông tin của văn bản (JSON, Nghị định 30/2020)"
    )
    i.add_argument("file", metavar="TỆP", help="tệp PDF, Word .docx hoặc văn bản")


def run_evidence(args: argparse.Namespace) -> int:
    """`parindex evidence orphans [--delete]`: the files under the evidence storage that no
    document names (an upload killed mid-way), their count and bytes; removed with --delete."""
    from datetime import timedelta

    from parindex.assessment import services as svc
    from parindex.core import fmt_vn

    if args.min_age < 0:
        _err("Lỗi: --min-age cần một số phút không âm.")
        return 2
    found = svc.evidence_orphans(delete=args.delete, min_age=timedelta(minutes=args.min_age))
    for name in found.names:
        _out(f"  {name}")
    mb = fmt_vn(Decimal(found.size) / 1048576, 1)
    what = f"{len(found.names)} tệp không thuộc hồ sơ nào, {found.size} byte ({mb} MB)"
    if found.deleted:
        _out(f"Đã xóa {what}.")
    elif found.names:
        _out(f"Tìm thấy {what}; thêm --delete để xóa.")
    else:
        _out("Không có tệp nào không thuộc hồ sơ nào (0 tệp, 0 byte).")
    return 0
