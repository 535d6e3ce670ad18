"""Import national PAR INDEX results from a CSV file (all or nothing).

parindex manage import_national_results FILE [--source TEXT] [--methodology NAME|FILE]
    (--methodology: the methodology the table is read with, a shipped name or a file; a year
     outside its valid_from_year..valid_to_year is reported as a warning)
parindex manage import_national_results --published   (the list of published results shipped
                                                       with parindex, with their sources)
parindex manage import_national_results --sample      (the shipped sample, with 2020 blocks)
parindex manage import_national_results --synthetic [--history] [--seed N]
    (the demo's synthetic table around the published rows stored: 2023-2025, or 2016-2025;
     labelled "Số liệu minh họa, không phải số liệu chính thức" wherever shown)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parindex.common.errors import ServiceError
from parindex.results.services import (
    PUBLISHED_FILE,
    SAMPLE_FILE,
    SYNTHETIC_SEED,
    ImportRefused,
    ImportSummary,
    national_results_import_file,
    national_synthetic_load,
    shipped_file,
)
from parindex.results.synthetic import DEMO_YEARS, HISTORY_YEARS


class Command(BaseCommand):
    help = "Nhập kết quả Chỉ số CCHC cấp tỉnh từ tệp CSV (tất cả hoặc không)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="tệp CSV: year,province,total,...")
        parser.add_argument("--source", default="", help="nguồn cho các dòng không ghi nguồn")
        parser.add_argument(
            "--methodology",
            default="",
            help="bộ tiêu chí dùng để đọc bảng (tên có sẵn hoặc tệp); cảnh báo năm ngoài hiệu lực",
        )
        parser.add_argument(
            "--published", action="store_true", help="nhập danh sách số liệu đã công bố kèm theo"
        )
        parser.add_argument("--sample", action="store_true", help="nhập tệp mẫu kèm theo phần mềm")
        parser.add_argument(
            "--synthetic",
            action="store_true",
            help="tạo bảng minh họa (không chính thức) quanh số liệu đã công bố đã nhập",
        )
        parser.add_argument("--history", action="store_true", help="bảng minh họa 2016-2025")
        parser.add_argument("--seed", type=int, default=SYNTHETIC_SEED)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["synthetic"]:
            years = HISTORY_YEARS if opts["history"] else DEMO_YEARS
            try:
                summary = national_synthetic_load(years=years, seed=opts["seed"])
            except ServiceError as exc:
                raise CommandError(str(exc)) from None
            self._done(summary)
            return
        if opts["published"] or opts["sample"]:
            name = PUBLISHED_FILE if opts["published"] else SAMPLE_FILE
            data, filename = shipped_file(name), Path(name).name
        elif opts["file"]:
            try:
                data = Path(opts["file"]).read_bytes()
            except OSError as exc:
                raise CommandError(f"Không đọc được {opts['file']}: {exc}") from None
            filename = Path(opts["file"]).name
        else:
            raise CommandError("Cần tên tệp CSV, --published, --sample hoặc --synthetic.")
        methodology, methodology_file = self._methodology(opts["methodology"])
        try:
            summary = national_results_import_file(
                data=data,
                user=None,
                source=opts["source"],
                filename=filename,
                methodology=methodology,
                methodology_file=methodology_file,
            )
        except ImportRefused as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err}")
            raise CommandError(str(exc)) from None
        self._done(summary)

    def _methodology(self, spec: str) -> tuple[Any, str]:
        """The methodology named by --methodology and its file's name, (None, "") if none."""
        if not spec:
            return None, ""
        from parindex.core import ValidationFailed
        from parindex.files.methodology import resolve_methodology

        try:
            tree = resolve_methodology(spec)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from None
        name = Path(spec).name if Path(spec).suffix else f"{spec}.yaml"
        return tree, name

    def _done(self, summary: ImportSummary) -> None:
        for warning in summary.warnings:
            self.stdout.write(self.style.WARNING(f"  ! {warning}"))
        years = ", ".join(str(y) for y in summary.years)
        kept = f"; giữ {summary.kept_published} dòng đã công bố" if summary.kept_published else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nhập {summary.created} dòng mới, cập nhật {summary.updated} dòng "
                f"(năm {years}){kept}."
            )
        )
