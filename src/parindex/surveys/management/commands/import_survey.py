"""Import a response file (CSV or XLSX) into a cycle: check, store in one transaction, score.

manage.py import_survey --cycle 1 --user quanly phieu.csv [--valid-only]
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parindex.assessment.models import Cycle
from parindex.common.errors import ServiceError
from parindex.surveys import services
from parindex.surveys.models import ImportJob


class Command(BaseCommand):
    help = "Nhập tệp phiếu điều tra (CSV/XLSX) vào một kỳ đánh giá và tính điểm điều tra."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--cycle", type=int, required=True)
        parser.add_argument("--user", required=True, help="tài khoản quản lý kỳ đánh giá")
        parser.add_argument("--valid-only", action="store_true", help="chỉ nhập các dòng hợp lệ")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            cycle = Cycle.objects.get(pk=options["cycle"])
            user = get_user_model().objects.get(username=options["user"])
        except (Cycle.DoesNotExist, get_user_model().DoesNotExist) as exc:
            raise CommandError(str(exc)) from None
        mode = ImportJob.Mode.VALID_ONLY if options["valid_only"] else ImportJob.Mode.ALL
        try:
            job = services.responses_import_path(
                cycle=cycle, path=options["path"], user=user, mode=mode
            )
        except (ServiceError, OSError) as exc:
            raise CommandError(str(exc)) from None
        for line, column, respondent, message in job.header_errors + job.errors[:20]:
            self.stderr.write(f"{line}\t{column}\t{respondent}\t{message}")
        if job.status != ImportJob.Status.DONE:
            raise CommandError(job.message or job.get_status_display())
        self.stdout.write(
            self.style.SUCCESS(
                f"{job.rows_imported} phiếu đã nhập, {job.rows_rejected} dòng bị loại "
                f"(lượt nhập #{job.pk})."
            )
        )
        if job.message:
            self.stdout.write(self.style.WARNING(job.message))
