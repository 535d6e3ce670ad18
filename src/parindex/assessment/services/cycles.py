"""Methodologies, cycles and their transitions, the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from parindex.accounts.models import OrgUnit
from parindex.assessment import lifecycle
from parindex.audit.services import log_action
from parindex.common.errors import ServiceError
from parindex.core.model import SKELETON

from ..models import Cycle, MethodologyVersion, Participation
from .base import _require_manage

State = Cycle.State


# --- methodologies and cycles ------------------------------------------------------------


def methodology_install(*, source: str, user: Any = None, name: str = "") -> MethodologyVersion:
    """Validate a YAML methodology and store it (idempotent on code + version)."""
    from parindex.files.methodology import load_yaml_text

    tree = load_yaml_text(source, name or "methodology.yaml")
    obj, created = MethodologyVersion.objects.get_or_create(
        code=tree.code,
        version=tree.version,
        defaults={"name": tree.name, "source": source, "status": tree.status},
    )
    if created:
        log_action("methodology.installed", actor=user, target=obj, code=tree.code)
    return obj


def methodology_year_warning(tree: Any, year: int, name: str) -> str | None:
    """The warning for a methodology (`tree`, a core Methodology; `name`, its file or code
    and version) used for an index year outside its years of validity; None when within
    them or when it declares none. A warning, never a refusal: the caller asks to confirm."""
    if tree.valid_for_year(year):
        return None
    return _(
        "Năm %(y)s nằm ngoài thời gian áp dụng của bộ tiêu chí %(m)s (áp dụng cho các năm %(v)s)."
    ) % {"y": year, "m": name, "v": tree.validity}


def methodology_name(mv: MethodologyVersion) -> str:
    """How a warning names a stored methodology: its code (the file's name) and version."""
    return f"“{mv.code}” ({_('phiên bản')} {mv.version})"


@transaction.atomic
def cycle_create(
    *,
    name: str,
    year: int,
    methodology: MethodologyVersion,
    organiser: OrgUnit,
    units: list[OrgUnit],
    user: Any = None,
    reports_to: str = "",
    **schedule: datetime | None,
) -> Cycle:
    """A new cycle; `reports_to`: the outside body its result is sent to (blank: none)."""
    if methodology.status == SKELETON:
        raise ServiceError(
            _("“%(m)s” là khung, không dùng để chấm điểm.") % {"m": methodology.code}
        )
    cycle = Cycle.objects.create(
        name=name,
        year=year,
        methodology=methodology,
        organiser=organiser,
        reports_to=reports_to,
        **schedule,
    )
    Participation.objects.bulk_create(Participation(cycle=cycle, unit=u) for u in units)
    log_action("cycle.created", actor=user, target=cycle, cycle=cycle, units=len(units))
    return cycle


# --- windows (the lifecycle decides; kept under its former name) -----------------------------


def self_assessment_open(
    p: Participation, now: datetime | None = None, *, approver: bool = False
) -> tuple[bool, str]:
    """Whether the unit may edit its self-assessment now, and why not (lifecycle)."""
    return lifecycle.self_entry_open(p, now, approver=approver)


# --- organiser: schedule, survey/external data; appraisal by code ---------------------------

SCHEDULE_FIELDS = (
    "self_start",
    "self_end",
    "appraisal_start",
    "appraisal_end",
    "explanation_start",
    "explanation_end",
    "publication_date",
)
_SCHEDULE_PAIRS = (
    ("self_start", "self_end"),
    ("appraisal_start", "appraisal_end"),
    ("explanation_start", "explanation_end"),
)


def schedule_label(name: str) -> str:
    """The label of one schedule date, e.g. "hạn tự đánh giá"."""
    return str(getattr(Cycle._meta.get_field(name), "verbose_name", name))


@transaction.atomic
def cycle_update_schedule(*, cycle: Cycle, user: Any, **dates: Any) -> Cycle:
    """Change the cycle's schedule (only the dates given; None clears one). Each end must
    not precede its start; once final, only the publication date may change."""
    _require_manage(user, cycle)
    unknown = set(dates) - set(SCHEDULE_FIELDS)
    if unknown:
        raise ServiceError(_("Không có mốc thời gian “%(f)s”.") % {"f": ", ".join(sorted(unknown))})
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    old = {f: getattr(cycle, f) for f in SCHEDULE_FIELDS}
    new = {**old, **dates}
    if lifecycle.of(cycle).finished and any(
        new[f] != old[f] for f in SCHEDULE_FIELDS if f != "publication_date"
    ):
        raise ServiceError(_("Kỳ đánh giá đã chốt kết quả: chỉ được sửa ngày công bố."))
    for start, end in _SCHEDULE_PAIRS:
        if new[start] and new[end] and new[end] < new[start]:
            raise ServiceError(
                _("“%(e)s” không được trước “%(s)s”.")
                % {"e": schedule_label(end), "s": schedule_label(start)}
            )
    changed = {f: new[f] for f in SCHEDULE_FIELDS if new[f] != old[f]}
    if not changed:
        return cycle
    for f, v in changed.items():
        setattr(cycle, f, v)
    cycle.save(update_fields=list(changed))
    log_action(
        "cycle.schedule_updated",
        actor=user,
        target=cycle,
        cycle=cycle,
        old={f: old[f] for f in changed},
        new=changed,
    )
    return cycle
