"""Find the survey imports whose worker died and mark them failed (the user starts them
again from their page); recompute the points of imports left done without them.

parindex manage recover_import_jobs [--stale-after SECONDS]

Run it from a scheduler, or when the task worker service starts. `--stale-after 0` (every
running import is taken as dead) only when no worker is running, e.g. right before starting
the only one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parindex.surveys import services


class Command(BaseCommand):
    help = "Đánh dấu các lượt nhập phiếu bị gián đoạn (tiến trình xử lý đã dừng) để nhập lại."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-after",
            type=int,
            default=None,
            help="số giây không có tiến triển để coi là gián đoạn (mặc định: "
            "SURVEY_JOB_STALE_AFTER); 0 chỉ khi không có tiến trình xử lý nào đang chạy",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["stale_after"]
        stale = None if seconds is None else dt.timedelta(seconds=max(0, seconds))
        jobs = services.import_jobs_recover(stale=stale)
        for job in jobs:
            action = "tính lại điểm" if job.status == "done" else "đánh dấu gián đoạn"
            self.stdout.write(f"#{job.pk}\t{job.original_name}\t{job.status}\t{action}")
        self.stdout.write(self.style.SUCCESS(f"{len(jobs)} lượt nhập đã được xử lý."))
