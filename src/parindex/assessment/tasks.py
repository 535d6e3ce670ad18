"""Background work of the assessment component (see parindex.surveys.tasks): the reminder
e-mails before deadlines, enqueued by a scheduler or run by `parindex manage send_reminders`."""

from __future__ import annotations

from django_tasks import task

from . import notify


@task()
def send_reminders() -> int:
    return notify.send_due_reminders()
