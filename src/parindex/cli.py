"""The `parindex` command line.

parindex compute --methodology FILE --scores FILE [--units FILE] [--out FILE]
parindex methodology list|validate|show|export|import ...
                         (import FILE.docx [--out F.yaml] [--mapping ...]: the appendix table)
parindex survey check FORM.xlsx|FORM.yaml   a questionnaire checked without a database:
                         what will be scored and what will not (exit 1 with the problems)
parindex demo [--empty]  set up the demo database (or an empty one with one organiser) and
                         serve it on http://127.0.0.1:8000
                         (--port N, --host H, --reset to rebuild, --no-serve)
parindex setup import FILE.xlsx | export --out FILE.xlsx   the set-up workbook
parindex cycle checklist CYCLE | move CYCLE STATE --user U [--reason R]   a cycle's stages
parindex cycle ministry-import CYCLE FILE --user U   the Ministry's results entered back
parindex report self-assessment --cycle ID --unit CODE --out FILE.docx [--evidence-zip F.zip]
                         a unit's self-assessment report (Word) and evidence bundle
parindex evidence orphans [--delete]   evidence files no document names (count, bytes)
parindex evidence inspect FILE   a document's facts (issuer, number, date, type ...) as JSON
parindex backup [--out FILE.tar.gz]   the database and the uploaded files in one archive
parindex restore FILE.tar.gz [--force]   into an empty, migrated database (docs/deploy.md)
parindex manage ARGS...  Django management commands (migrate, createsuperuser, ...)
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from parindex.core import Methodology, Node, ValidationFailed, compute_all, fmt_vn


def _fail(exc: ValidationFailed) -> int:
    print(f"Lỗi ({len(exc.issues)}):", file=sys.stderr)
    for issue in exc.issues:
        print(f"  - {issue}", file=sys.stderr)
    return 1


def cmd_compute(args: argparse.Namespace) -> int:
    from parindex.files.methodology import resolve_methodology
    from parindex.files.results import format_table, rank_results, write_results
    from parindex.files.scores import read_scores, read_units

    try:
        m = resolve_methodology(args.methodology)
        units = read_units(args.units) if args.units else None
        scores = read_scores(args.scores, m, units)
        results = compute_all(m, scores.units, scores.inputs)
    except ValidationFailed as exc:
        return _fail(exc)
    ranked = rank_results(results)
    print(f"{m.name} — phiên bản {m.version}: {len(ranked)} đơn vị")
    print(format_table(m, ranked))
    missing = sum(len(r.result.missing) for r in ranked)
    if missing:
        print(
            f"\nCảnh báo: {missing} tiêu chí thành phần thiếu số liệu, tính 0 điểm "
            "(xem cột 'missing' trong tệp JSON hoặc trang 'Chi tiết' của tệp Excel).",
            file=sys.stderr,
        )
        for rr in ranked:
            if rr.result.missing:
                codes = ", ".join(rr.result.missing[:10])
                more = "…" if len(rr.result.missing) > 10 else ""
                print(f"  - {rr.result.unit.code}: {codes}{more}", file=sys.stderr)
    if args.out:
        try:
            write_results(m, ranked, args.out)
        except ValueError as exc:
            print(f"Lỗi: {exc}", file=sys.stderr)
            return 2
        print(f"\nĐã ghi: {args.out}")
    return 0


def _print_node(node: Node, m: Methodology, indent: int = 0) -> None:
    pad = "  " * indent
    flags = []
    if node.is_leaf:
        flags.append(node.method)
        if node.applies_to:
            flags.append("chỉ " + ",".join(sorted(node.applies_to)))
        flags.append("KPS: " + m.policy(node))
    if node.unknown:
        flags.append("CHƯA CÔNG BỐ")
    extra = f"  [{'; '.join(flags)}]" if flags else ""
    print(f"{pad}{node.code:<8} {fmt_vn(node.max_points):>6}  {node.name}{extra}")
    if node.rule is not None:
        print(f"{pad}{'':8} {'':6}  → {node.rule.describe(node.max_points)}")
    for child in node.children:
        _print_node(child, m, indent + 1)


def cmd_methodology(args: argparse.Namespace) -> int:
    from parindex.files.methodology import (
        read_methodology,
        resolve_methodology,
        shipped_methodology_names,
        write_methodology,
    )

    if args.action == "list":
        for name in shipped_methodology_names():
            m = resolve_methodology(name)
            points = "khung" if m.skeleton else fmt_vn(m.max_points)
            print(f"{name:<32} {m.version:<8} {points:>7}  {m.name}")
        return 0
    suffix = Path(args.file).suffix.lower()
    if args.action == "import" and (suffix == ".docx" or (suffix == ".xlsx" and args.mapping)):
        return _import_table(args)
    try:
        m = (
            resolve_methodology(args.file)
            if args.action != "import"
            else read_methodology(args.file)
        )
    except ValidationFailed as exc:
        return _fail(exc)
    leaves = m.leaves
    criteria = sum(len(f.children) for f in m.fields)
    summary = (
        f"{m.name} (mã {m.code}, phiên bản {m.version}): {len(m.fields)} lĩnh vực, "
        f"{criteria} tiêu chí, {len(leaves)} tiêu chí thành phần, "
        f"tổng {fmt_vn(m.max_points)} điểm"
    )
    if args.action == "validate":
        print(f"Hợp lệ. {summary}")
        for t in m.unit_types:
            mx = sum((n.max_points for n in leaves if n.applies(t)), start=m.max_points * 0)
            print(f"  Điểm tối đa cho loại đơn vị '{t}': {fmt_vn(mx)}")
        return 0
    if args.action == "show":
        print(summary)
        if m.description:
            print(m.description.strip())
        print()
        for f in m.fields:
            _print_node(f, m)
        if m.adjustments:
            print("\nĐiểm thưởng / điểm trừ:")
            for a in m.adjustments:
                _print_node(a, m, 1)
        return 0
    out = args.out
    if out is None:
        print("Thiếu --out", file=sys.stderr)
        return 2
    write_methodology(m, out)
    print(f"Đã ghi {out}. {summary}")
    return 0


def _import_table(args: argparse.Namespace) -> int:
    """`methodology import FILE.docx`: the appendix table, its report, and --out if given."""
    from parindex.files.methodology import write_methodology
    from parindex.files.methodology_table import import_table, table_report_lines

    try:
        m, report = import_table(
            args.file,
            mapping=args.mapping or "",
            code=args.code or "",
            name=args.name or "",
            version=args.methodology_version or "",
        )
    except ValidationFailed as exc:
        return _fail(exc)
    print("\n".join(table_report_lines(report)))
    if args.out:
        write_methodology(m, args.out)
        print(f"\nĐã ghi {args.out}: {m.name} (mã {m.code}, phiên bản {m.version})")
    else:
        print("\nChưa ghi tệp: thêm --out FILE.yaml (hoặc .xlsx) để ghi bộ tiêu chí.")
    return 0


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()


def cmd_survey(args: argparse.Namespace) -> int:
    """`survey check FILE`: read the questionnaire file as an import would, no database."""
    _django_setup()
    from parindex.surveys.definitions import form_report
    from parindex.surveys.services.common import SurveyFileRefused
    from parindex.surveys.services.questionnaires import forms_read

    path = Path(args.file)
    try:
        forms = forms_read(path.read_bytes(), path.name)
    except OSError as exc:
        print(f"Không đọc được tệp {path}: {exc.strerror}", file=sys.stderr)
        return 1
    except SurveyFileRefused as exc:
        print(f"Lỗi ({len(exc.problems)}):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    for form in forms:
        scored, unscored = form_report(form)
        print(
            f"Hợp lệ. {form.title} (form_id {form.form_id}, nhóm {form.group_code}, "
            f"loại {form.kind}): {len(form.questions)} câu hỏi"
        )
        print(f"  Được chấm điểm ({len(scored)}):")
        for line in scored:
            print(f"    {line}")
        print(f"  Không chấm điểm ({len(unscored)}):")
        for line in unscored:
            print(f"    {line}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parindex manage", *args.rest])
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.results.cli_export import run_export

    return run_export(args)


def cmd_setup(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.setup.cli import run_setup

    return run_setup(args)


def cmd_cycle(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.assessment.cli import run_cycle

    return run_cycle(args)


def cmd_backup(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.backup.cli import run_backup

    return run_backup(args)


def cmd_restore(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.backup.cli import run_restore

    return run_restore(args)


def _demo_secret_key() -> None:
    """The demo runs with DEBUG off: without SECRET_KEY it gets a random key of its own, kept
    in its data directory (never the published development key)."""
    if os.environ.get("SECRET_KEY") or os.environ.get("SECRET_KEY_FILE"):
        return
    import secrets

    path = Path(os.environ.get("PARINDEX_DATA_DIR", "var")).resolve() / "demo-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    os.environ["SECRET_KEY_FILE"] = str(path)


def cmd_report(args: argparse.Namespace) -> int:
    _django_setup()
    from parindex.assessment.cli_report import run_report

    return run_report(args)


def cmd_evidence(args: argparse.Namespace) -> int:
    if args.action == "inspect":  # pure Python: no database needed
        return cmd_evidence_inspect(Path(args.file))
    _django_setup()
    from parindex.assessment.cli import run_evidence

    return run_evidence(args)


def cmd_evidence_inspect(path: Path) -> int:
    """`parindex evidence inspect FILE`: the document's facts as JSON on stdout (exit 1 when
    the file cannot be opened or read)."""
    import json

    from parindex.evidence import inspect_file

    try:
        facts = inspect_file(path)
    except OSError as exc:
        print(f"Lỗi: không mở được tệp {path}: {exc.strerror}", file=sys.stderr)
        return 1
    print(json.dumps(facts, ensure_ascii=False, indent=2))
    return 0 if facts["readable"] else 1


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    _demo_secret_key()
    from django.core.management import call_command

    _django_setup()
    from django.conf import settings

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    addr = f"{args.host}:{args.port}"
    call_command("demo_setup", reset=args.reset, empty=args.empty, url=f"http://{addr}/")
    if args.no_serve:
        return 0
    print(f"\nparindex đang chạy tại http://{addr}/  (Ctrl+C để dừng)\n", flush=True)
    call_command("runserver", addr, use_reloader=False, insecure_serving=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="parindex",
        description="parindex — Chỉ số cải cách hành chính (PAR INDEX)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    c = sub.add_parser("compute", help="tính chỉ số từ tệp điểm (CSV/XLSX)")
    c.add_argument(
        "--methodology",
        "-m",
        required=True,
        help="tệp bộ tiêu chí (.yaml/.xlsx) hoặc tên bộ tiêu chí có sẵn",
    )
    c.add_argument("--scores", "-s", required=True, help="tệp điểm: cột unit,code,value")
    c.add_argument("--units", help="danh sách đơn vị (code,name,type), tùy chọn")
    c.add_argument("--out", "-o", help="tệp kết quả .xlsx, .csv hoặc .json")
    c.set_defaults(func=cmd_compute)

    m = sub.add_parser("methodology", help="kiểm tra, xem, xuất/nhập bộ tiêu chí")
    m.add_argument("action", choices=["list", "validate", "show", "export", "import"])
    m.add_argument("file", nargs="?", default="", help="tệp .yaml/.xlsx hoặc tên có sẵn")
    m.add_argument("--out", "-o", help="tệp đích (.xlsx khi export, .yaml khi import)")
    m.add_argument(
        "--mapping",
        help="import .docx: cách đọc cột, ví dụ 'number=1,name=2,max=Điểm chuẩn,header=1,table=2'"
        " (mặc định: nhận ra từ dòng tiêu đề; xem docs/methodology-format.md)",
    )
    m.add_argument("--code", help="import .docx: mã bộ tiêu chí (mặc định: theo tên tệp)")
    m.add_argument("--name", help="import .docx: tên bộ tiêu chí (mặc định: tiêu đề văn bản)")
    m.add_argument(
        "--version",
        dest="methodology_version",
        help="import .docx: phiên bản (mặc định: năm ghi trong tiêu đề)",
    )
    m.set_defaults(func=cmd_methodology)

    e = sub.add_parser("export", help="xuất kết quả một kỳ đánh giá (xlsx, docx, csv, json)")
    from parindex.results.cli_export import add_export_arguments

    add_export_arguments(e)
    e.set_defaults(func=cmd_export)

    q = sub.add_parser("survey", help="kiểm tra tệp phiếu khảo sát (XLSForm, YAML)")
    q.add_argument("action", choices=["check"])
    q.add_argument("file", help="tệp phiếu .xlsx (XLSForm) hoặc .yaml")
    q.set_defaults(func=cmd_survey)

    d = sub.add_parser("demo", help="tạo dữ liệu mẫu và chạy ứng dụng web")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", default="8000")
    d.add_argument("--reset", action="store_true", help="xóa và tạo lại dữ liệu mẫu")
    d.add_argument("--no-serve", action="store_true", help="chỉ tạo dữ liệu, không chạy web")
    d.add_argument(
        "--empty",
        action="store_true",
        help="cơ sở dữ liệu trống: bộ tiêu chí, 34 tỉnh, một tài khoản Sở Nội vụ để tự thiết lập",
    )
    d.set_defaults(func=cmd_demo)

    s = sub.add_parser("setup", help="nhập/xuất tệp thiết lập Excel (đơn vị, tài khoản, vai trò)")
    from parindex.setup.cli import add_setup_arguments

    add_setup_arguments(s)
    s.set_defaults(func=cmd_setup)

    y = sub.add_parser("cycle", help="việc tồn đọng của kỳ đánh giá, chuyển giai đoạn")
    from parindex.assessment.cli import add_cycle_arguments

    add_cycle_arguments(y)
    y.set_defaults(func=cmd_cycle)

    r = sub.add_parser("report", help="báo cáo tự đánh giá của một đơn vị (Word, zip)")
    from parindex.assessment.cli_report import add_report_arguments

    add_report_arguments(r)
    r.set_defaults(func=cmd_report)
    v = sub.add_parser(
        "evidence", help="tệp tài liệu kiểm chứng: tìm, xóa tệp mồ côi; đọc một tài liệu"
    )
    from parindex.assessment.cli import add_evidence_arguments

    add_evidence_arguments(v)
    v.set_defaults(func=cmd_evidence)
    from parindex.backup.cli import add_backup_arguments, add_restore_arguments

    b = sub.add_parser("backup", help="sao lưu cơ sở dữ liệu và các tệp tải lên vào một tệp")
    add_backup_arguments(b)
    b.set_defaults(func=cmd_backup)

    r = sub.add_parser("restore", help="khôi phục từ tệp sao lưu vào cơ sở dữ liệu trống")
    add_restore_arguments(r)
    r.set_defaults(func=cmd_restore)

    g = sub.add_parser("manage", help="lệnh quản trị Django", add_help=False)
    g.add_argument("rest", nargs=argparse.REMAINDER)
    g.set_defaults(func=cmd_manage)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "methodology" and args.action != "list" and not args.file:
        print("Thiếu tên tệp bộ tiêu chí", file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
