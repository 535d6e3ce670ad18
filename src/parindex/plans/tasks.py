"""Background work of the plans (see parindex.assessment.tasks): the reminder e-mails of plan
tasks, enqueued by a scheduler or run with `parindex manage send_reminders`."""

from __future__ import annotations

from django_tasks import task

from . import notify


@task()
def send_plan_reminders() -> int:
    return notify.send_plan_reminders()
