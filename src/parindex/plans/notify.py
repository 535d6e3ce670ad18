"""E-mail reminders of plan tasks: 3 days before a task's deadline, on the day, and once on
the day after it when the task is overdue (not done). Sent to whoever works for the task's
lead agency (permissions.agency_workers), once per user, task, deadline and kind (accounts
Notification), respecting each user's opt-out (assessment.notify.wants_email). Run daily by
`parindex manage send_reminders` (with the assessment's reminders) or the task
parindex.plans.tasks.send_plan_reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from parindex.assessment import permissions as perm
from parindex.assessment.notify import REMIND_DAYS, _remind_once, site_url

from .models import Task

OVERDUE = -1  # days left on the day after the deadline: the overdue reminder


def _context(task: Task, days: int) -> dict[str, Any]:
    return {
        "task": task,
        "days": days,
        "overdue": days < 0,
        "deadline": task.deadline.strftime("%d/%m/%Y") if task.deadline else "",
        "unit": task.plan.unit.name,
        "year": task.plan.year,
        "agency": task.lead_agency.name if task.lead_agency else "",
        "url": site_url(reverse("plan_task", args=[task.pk])),
    }


def send_plan_reminders(now: datetime | None = None) -> int:
    """Send the plan reminders due today; returns how many e-mails went out. Safe to run
    any number of times a day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days_wanted = {*REMIND_DAYS, OVERDUE}
    dates = [today + timedelta(days=d) for d in days_wanted]
    tasks = (
        Task.objects.filter(deadline__in=dates, lead_agency__isnull=False)
        .exclude(status=Task.Status.DONE)
        .select_related("plan", "plan__unit", "lead_agency")
        .order_by("deadline", "pk")
    )
    sent = 0
    for task in tasks:
        assert task.deadline is not None and task.lead_agency_id is not None
        days = (task.deadline - today).days
        kind = "plan_overdue" if days < 0 else "plan_deadline"
        key = f"{task.pk}:{task.deadline.isoformat()}:{days}"
        ctx = _context(task, days)
        for user in perm.agency_workers(task.lead_agency_id).select_related("parindex_profile"):
            sent += _remind_once(user, kind, key, "plan_reminder", ctx)
    return sent
