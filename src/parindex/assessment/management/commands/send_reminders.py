"""Send the reminder e-mails due today (3 days before and on the day of each deadline): the
cycles' deadlines (parindex.assessment.notify) and the improvement plans' tasks, also on the
day after an overdue task's deadline (parindex.plans.notify).

Run it daily (or hourly: a reminder is sent once per user, deadline and day), e.g. by cron:
    0 7 * * * cd /srv/parindex && uv run parindex manage send_reminders
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from parindex.assessment import notify


class Command(BaseCommand):
    help = "Gửi thư nhắc hạn (3 ngày trước và đúng ngày hết hạn)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="Đưa vào hàng đợi tác vụ thay vì gửi ngay."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from parindex.assessment.tasks import send_reminders
            from parindex.plans import tasks as plan_tasks

            send_reminders.enqueue()
            plan_tasks.send_plan_reminders.enqueue()
            self.stdout.write("Đã đưa việc gửi thư nhắc hạn vào hàng đợi.")
            return
        from parindex.plans import notify as plan_notify

        sent = notify.send_due_reminders() + plan_notify.send_plan_reminders()
        self.stdout.write(f"Đã gửi {sent} thư nhắc hạn.")
