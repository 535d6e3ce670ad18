"""E-mail notifications: each hand-over of a unit's form, and reminders before deadlines.

- `handed_over(p)`: the officer handed the form over → the unit's leaders;
- `returned(p)`: the leader returned it → the officer who handed it over;
- `submitted(p)`: the leader submitted it → the organiser's managers;
  the workflow services enqueue these after commit as the task
  parindex.assessment.tasks.notify_form (`form_event(event=..., participation_id=...)`),
  run inline by the immediate backend (development, the demo, tests) or by the worker
  (`manage db_worker` with TASKS_BACKEND=database);
- `send_due_reminders(now)`: 3 days before and on the day of the self-assessment end (units
  not submitted), the explanation end (units with explanations requested) and the appraisal
  end (appraisers with items left). Run by `parindex manage send_reminders` (cron) or the
  task parindex.assessment.tasks.send_reminders; each reminder is recorded (accounts
  Notification) and sent once per user, deadline, kind and day.

Every sender respects the user's preference (accounts Profile.notify_by_email) and skips
users without an address. Texts are plain Vietnamese (templates/email/*.txt) with an
absolute link to the page where the work is done (settings.SITE_URL).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from parindex.accounts.models import Notification, Profile

from . import lifecycle
from . import permissions as perm
from .models import Cycle, Entry, Participation
from .todo import appraisal_left

log = logging.getLogger(__name__)

REMIND_DAYS = (3, 0)  # days before a deadline a reminder is sent (0: on the day)


def wants_email(user: Any) -> bool:
    """Whether `user` receives notifications: an address, and not turned off."""
    if not getattr(user, "email", "") or not getattr(user, "is_active", False):
        return False
    try:
        return bool(user.parindex_profile.notify_by_email)
    except Profile.DoesNotExist:
        return True


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _fmt(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def send(user: Any, template: str, context: dict[str, Any]) -> bool:
    """Send one plain-text e-mail (templates/email/<template>.txt: the first line is the
    subject) to `user`, unless they turned notifications off."""
    if not wants_email(user):
        return False
    text = render_to_string(f"email/{template}.txt", {"user": user, **context})
    subject, _sep, body = text.strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, [user.email])
    return True


def _send_all(users: Any, template: str, context: dict[str, Any]) -> int:
    sent = 0
    for user in users:
        try:
            sent += send(user, template, context)
        except Exception:  # one bad address must not stop a hand-over
            log.exception("e-mail %s to user %s failed", template, getattr(user, "pk", None))
    return sent


def _form_context(p: Participation) -> dict[str, Any]:
    return {
        "p": p,
        "unit": p.unit.name,
        "cycle": p.cycle.name,
        "url": site_url(reverse("self_assessment", args=[p.pk])),
        "deadline": _fmt(p.late_until or p.cycle.self_end),
    }


def handed_over(p: Participation) -> int:
    ctx = _form_context(p)
    ctx["by"] = _name(p.handed_over_by)
    return _send_all(perm.approvers(p).select_related("parindex_profile"), "handed_over", ctx)


def returned(p: Participation) -> int:
    if p.handed_over_by is None:
        return 0
    ctx = _form_context(p)
    ctx["comment"] = p.returned_comment
    return _send_all([p.handed_over_by], "returned", ctx)


def submitted(p: Participation) -> int:
    ctx = _form_context(p)
    ctx["by"] = _name(p.submitted_by)
    ctx["url"] = site_url(reverse("cycle_detail", args=[p.cycle_id]))
    managers = perm.cycle_managers(p.cycle).select_related("parindex_profile")
    return _send_all(managers, "submitted", ctx)


HANDED_OVER, RETURNED, SUBMITTED = "handed_over", "returned", "submitted"
FORM_EVENTS = {HANDED_OVER: handed_over, RETURNED: returned, SUBMITTED: submitted}


def form_event(*, event: str, participation_id: int) -> int:
    """Send the e-mails of one hand-over event (`FORM_EVENTS`) of a participation, as it
    is now (nothing when it was deleted since); returns how many went out."""
    p = (
        Participation.objects.select_related(
            "unit", "cycle", "cycle__organiser", "handed_over_by", "submitted_by"
        )
        .filter(pk=participation_id)
        .first()
    )
    if p is None:
        return 0
    return FORM_EVENTS[event](p)


def _name(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- reminders before deadlines ----------------------------------------------------------------


def _days_left(deadline: datetime | None, today: date) -> int | None:
    if deadline is None:
        return None
    return (timezone.localdate(deadline) - today).days


def _remind_once(user: Any, kind: str, key: str, template: str, ctx: dict[str, Any]) -> bool:
    """Send a reminder unless this (user, kind, key) was sent already; record it."""
    if not wants_email(user):
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, kind=kind, key=key)
    except IntegrityError:
        return False  # sent before
    try:
        return send(user, template, ctx)
    except Exception:
        Notification.objects.filter(user=user, kind=kind, key=key).delete()
        log.exception("reminder %s to user %s failed", kind, user.pk)
        return False


def send_due_reminders(now: datetime | None = None) -> int:
    """Send the reminders due today (3 days before a deadline, and on its day); returns how
    many e-mails went out. Safe to run any number of times a day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    cycles = Cycle.objects.select_related("methodology", "organiser").exclude(
        state__in=lifecycle.FINISHED_STATES
    )
    for cycle in cycles:
        sent += _self_reminders(cycle, today)
        sent += _explanation_reminders(cycle, now, today)
        sent += _appraisal_reminders(cycle, today)
    return sent


def _ctx(days: int, deadline: datetime, **more: Any) -> dict[str, Any]:
    return {"days": days, "deadline": _fmt(deadline), **more}


def _self_reminders(cycle: Cycle, today: date) -> int:
    days = _days_left(cycle.self_end, today)
    if not lifecycle.of(cycle).self_entry or days not in REMIND_DAYS or cycle.self_end is None:
        return 0
    sent = 0
    parts = cycle.participations.exclude(status=Participation.Status.SUBMITTED).select_related(
        "unit", "cycle"
    )
    for p in parts:
        key = f"{cycle.pk}:{p.pk}:{cycle.self_end.isoformat()}:{today.isoformat()}"
        ctx = {**_form_context(p), **_ctx(days, cycle.self_end)}
        for user in perm.unit_workers(p, perm.EDIT_SELF):
            sent += _remind_once(user, "deadline_self", key, "reminder_self", ctx)
    return sent


def _explanation_reminders(cycle: Cycle, now: datetime, today: date) -> int:
    days = _days_left(cycle.explanation_end, today)
    if days not in REMIND_DAYS or cycle.explanation_end is None:
        return 0
    if not lifecycle.explanation_open(cycle, now)[0]:
        return 0
    ids = set(
        Entry.objects.filter(
            participation__cycle=cycle, r1_points__lt=F("self_points"), explanation=""
        ).values_list("participation_id", flat=True)
    )
    sent = 0
    for p in cycle.participations.filter(pk__in=ids).select_related("unit", "cycle"):
        key = f"{cycle.pk}:{p.pk}:{cycle.explanation_end.isoformat()}:{today.isoformat()}"
        ctx = _ctx(
            days,
            cycle.explanation_end,
            unit=p.unit.name,
            cycle=cycle.name,
            url=site_url(reverse("explanation", args=[p.pk])),
        )
        for user in perm.unit_workers(p, perm.EXPLAIN):
            sent += _remind_once(user, "deadline_explanation", key, "reminder_explanation", ctx)
    return sent


def _appraisal_reminders(cycle: Cycle, today: date) -> int:
    days = _days_left(cycle.appraisal_end, today)
    if days not in REMIND_DAYS or cycle.appraisal_end is None:
        return 0
    if lifecycle.of(cycle).appraisal_round is None:
        return 0
    sent = 0
    key = f"{cycle.pk}:{cycle.state}:{cycle.appraisal_end.isoformat()}:{today.isoformat()}"
    for user in perm.cycle_appraisers(cycle).select_related("parindex_profile"):
        if not wants_email(user):
            continue
        left = appraisal_left(user, [cycle])
        if not left:
            continue
        ctx = _ctx(
            days,
            cycle.appraisal_end,
            cycle=cycle.name,
            round=left[0].round,
            units=left[0].units,
            items=left[0].items,
            url=site_url(reverse("appraisal_list")),
        )
        sent += _remind_once(user, "deadline_appraisal", key, "reminder_appraisal", ctx)
    return sent


__all__ = [
    "handed_over",
    "returned",
    "send",
    "send_due_reminders",
    "submitted",
    "wants_email",
]
