"""Import published national PAR INDEX results from a CSV file (all or nothing).

parindex manage import_national_results FILE [--source TEXT]
parindex manage import_national_results --sample   (the figures shipped with parindex)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from parindex.results.services import ImportRefused, national_results_import_file


class Command(BaseCommand):
    help = "Nhập kết quả Chỉ số CCHC cấp tỉnh đã công bố từ tệp CSV (tất cả hoặc không)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="tệp CSV: year,province,total,...")
        parser.add_argument("--source", default="", help="nguồn cho các dòng không ghi nguồn")
        parser.add_argument("--sample", action="store_true", help="nhập tệp mẫu kèm theo phần mềm")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sample"]:
            data = (
                resources.files("parindex.results")
                .joinpath("data/national-results-sample.csv")
                .read_bytes()
            )
        elif opts["file"]:
            try:
                data = Path(opts["file"]).read_bytes()
            except OSError as exc:
                raise CommandError(f"Không đọc được {opts['file']}: {exc}") from None
        else:
            raise CommandError("Cần tên tệp CSV hoặc --sample.")
        try:
            summary = national_results_import_file(data=data, user=None, source=opts["source"])
        except ImportRefused as exc:
            for err in exc.errors:
                self.stderr.write(f"  - {err}")
            raise CommandError(str(exc)) from None
        years = ", ".join(str(y) for y in summary.years)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nhập {summary.created} dòng mới, cập nhật {summary.updated} dòng "
                f"(năm {years})."
            )
        )
