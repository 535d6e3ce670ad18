"""`parindex export`: the results of a cycle as a file, through the same exporters as the
web pages and the API (results/exports.py).

    parindex export --cycle ID --format xlsx|docx|csv|json --what ranking|ledger|report
                    [--stage final] [--unit-type department] [--out FILE]
                    [--number "15/BC-SNV"] [--signer "Nguyễn Văn A"] [--date 2026-11-26]

Wiring in parindex/cli.py:

    from parindex.results.cli_export import add_export_arguments, run_export
    e = sub.add_parser("export", help="xuất kết quả kỳ đánh giá (Excel, Word, CSV, JSON)")
    add_export_arguments(e)
    e.set_defaults(func=run_export)

`--out -` writes to standard output; without --out the file gets the export's own name in
the current directory. Exit codes: 0 written, 1 refused (no such cycle, unsupported
combination), 2 the output file cannot be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

FORMATS = ("xlsx", "docx", "csv", "json")
WHATS = ("ranking", "ledger", "report")
STAGES = ("self", "r1", "r2", "final")
UNIT_TYPES = ("ministry", "province", "department", "commune", "other")


def add_export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cycle", type=int, required=True, help="mã số (id) kỳ đánh giá")
    p.add_argument("--format", "-f", choices=FORMATS, required=True, help="định dạng tệp")
    p.add_argument(
        "--what",
        choices=WHATS,
        default="ranking",
        help="ranking: xếp hạng (xlsx: cả bộ bảng), ledger: điểm chưa đạt, report: báo cáo Word",
    )
    p.add_argument("--stage", choices=STAGES, default="final", help="giai đoạn (mặc định final)")
    p.add_argument("--unit-type", choices=UNIT_TYPES, help="chỉ một loại đơn vị")
    p.add_argument("--out", "-o", help="tệp đích ('-' = đầu ra chuẩn)")
    p.add_argument("--number", help="báo cáo: số, ký hiệu (vd. 15/BC-SNV)")
    p.add_argument("--signer", help="báo cáo: họ tên người ký")
    p.add_argument("--date", type=date.fromisoformat, help="báo cáo: ngày (YYYY-MM-DD)")


def run_export(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parindex.settings")
    import django

    django.setup()
    from parindex.assessment.models import Cycle
    from parindex.results.exports import ExportError, render_export
    from parindex.results.report import report_params_for

    try:
        cycle = Cycle.objects.select_related("methodology", "organiser").get(pk=args.cycle)
    except Cycle.DoesNotExist:
        sys.stderr.write(f"Lỗi: không có kỳ đánh giá số {args.cycle}." + "\n")
        return 1
    params = None
    if args.format == "docx":
        overrides = {
            k: v
            for k, v in (
                ("number", getattr(args, "number", None)),
                ("signer_name", getattr(args, "signer", None)),
                ("date", getattr(args, "date", None)),
            )
            if v
        }
        params = report_params_for(cycle, **overrides)
    try:
        export = render_export(
            cycle,
            what=args.what,
            fmt=args.format,
            stage=args.stage,
            unit_type=getattr(args, "unit_type", None),
            params=params,
        )
    except ExportError as exc:
        sys.stderr.write(f"Lỗi: {exc}" + "\n")
        return 1
    out = getattr(args, "out", None) or export.filename
    if out == "-":
        sys.stdout.buffer.write(export.data)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(out).write_bytes(export.data)
    except OSError as exc:
        sys.stderr.write(f"Lỗi: không ghi được {out}: {exc}" + "\n")
        return 2
    sys.stdout.write(
        f"Đã ghi {out} ({len(export.data):,} byte): {cycle.name}, {args.what}, {args.stage}.\n"
    )
    return 0
