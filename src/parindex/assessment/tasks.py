"""Background work of the assessment component (see parindex.surveys.tasks): the e-mails of
a form's hand-over (enqueued after commit by the workflow services), and the reminder e-mails
before deadlines, enqueued by a scheduler or run by `parindex manage send_reminders`. Task
bodies are one call each and take ids, not objects."""

from __future__ import annotations

from django_tasks import task

from . import notify


@task()
def notify_form(event: str, participation_id: int) -> int:
    return notify.form_event(event=event, participation_id=participation_id)


@task()
def send_reminders() -> int:
    return notify.send_due_reminders()
