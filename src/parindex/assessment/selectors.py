"""Who may see and do what. The only place that knows the visibility rules: views, the API
and services ask here, while fetching."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from parindex.accounts.models import Membership, OrgUnit, Role

from .models import Cycle, Participation

VIEW = "view"
EDIT_SELF = "edit_self"
SUBMIT = "submit"
APPRAISE = "appraise"
EXPLAIN = "explain"
MANAGE = "manage"


def memberships(user: Any) -> list[Membership]:
    """The user's memberships, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_parindex_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("unit", "target"))
        user._parindex_memberships = cached
    return cached


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        m.role == Role.ADMIN for m in memberships(user)
    )


def _unit_and_below(unit: OrgUnit) -> set[int]:
    ids = {unit.pk}
    frontier = [unit.pk]
    while frontier:
        frontier = list(OrgUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return ids


def _applies_to_cycle(m: Membership, cycle: Cycle) -> bool:
    return m.cycle_id is None or m.cycle_id == cycle.pk


def cycles_visible_to(user: Any) -> QuerySet[Cycle]:
    qs = Cycle.objects.select_related("methodology", "organiser")
    if is_admin(user):
        return qs
    q = Q(pk__in=[])
    for m in memberships(user):
        scope = Q(pk=m.cycle_id) if m.cycle_id else Q()
        if m.role in (Role.MANAGER, Role.APPRAISER):
            q |= Q(organiser=m.unit) & scope
        elif m.role in (Role.OFFICER, Role.LEADER):
            q |= Q(participations__unit=m.unit) & scope
        elif m.role == Role.LEAD_AGENCY:
            q |= Q(participations__unit=m.target) & scope
        elif m.role == Role.VIEWER and m.unit is not None:
            below = _unit_and_below(m.unit)
            q |= (Q(organiser_id__in=below) | Q(participations__unit_id__in=below)) & scope
    return qs.filter(q).distinct()


@dataclass
class Access:
    """What a user may do on one participation (one unit in one cycle)."""

    caps: set[str] = field(default_factory=set)
    codes: list[str] | None = None  # lead agency / appraiser: limited to these codes

    def can(self, cap: str) -> bool:
        return cap in self.caps

    def covers(self, code: str) -> bool:
        return self.codes is None or any(code == c or code.startswith(f"{c}.") for c in self.codes)


def access(user: Any, participation: Participation) -> Access:
    """The capabilities of `user` on `participation`."""
    cycle = participation.cycle
    if is_admin(user):
        return Access({VIEW, MANAGE})
    result = Access()
    limited: list[str] = []
    unlimited = False
    for m in memberships(user):
        if not _applies_to_cycle(m, cycle):
            continue
        if m.role == Role.MANAGER and m.unit_id == cycle.organiser_id:
            result.caps |= {VIEW, MANAGE}
        elif m.role == Role.OFFICER and m.unit_id == participation.unit_id:
            result.caps |= {VIEW, EDIT_SELF, EXPLAIN}
            unlimited = True
        elif m.role == Role.LEADER and m.unit_id == participation.unit_id:
            result.caps |= {VIEW, EDIT_SELF, SUBMIT, EXPLAIN}
            unlimited = True
        elif m.role == Role.LEAD_AGENCY and m.target_id == participation.unit_id:
            result.caps |= {VIEW, EDIT_SELF, EXPLAIN}
            limited += m.codes or []
            unlimited = unlimited or not m.codes
        elif (
            m.role == Role.APPRAISER
            and m.unit_id == cycle.organiser_id
            and (m.target_id is None or m.target_id == participation.unit_id)
        ):
            result.caps |= {VIEW, APPRAISE}
            limited += m.codes or []
            unlimited = unlimited or not m.codes
        elif m.role == Role.VIEWER and m.unit is not None:
            below = _unit_and_below(m.unit)
            if participation.unit_id in below or cycle.organiser_id in below:
                result.caps.add(VIEW)
    if not unlimited and limited:
        result.codes = limited
    return result


def participations_visible_to(user: Any, cycle: Cycle) -> list[Participation]:
    qs = cycle.participations.select_related("unit", "cycle", "cycle__organiser")
    return [p for p in qs if access(user, p).can(VIEW)]


def participation_for_user(user: Any, pk: int, cap: str = VIEW) -> tuple[Participation, Access]:
    """Fetch a participation the user may `cap`; raises Participation.DoesNotExist otherwise
    (so a view answers 404 and never reveals that another unit's object exists)."""
    p = Participation.objects.select_related(
        "unit", "cycle", "cycle__methodology", "cycle__organiser"
    ).get(pk=pk)
    acc = access(user, p)
    if not acc.can(cap):
        raise Participation.DoesNotExist
    return p, acc


def home_participations(user: Any) -> QuerySet[Participation]:
    """Participations the user works on directly (own unit, lead agency target)."""
    q = Q(pk__in=[])
    for m in memberships(user):
        if m.role in (Role.OFFICER, Role.LEADER):
            q |= Q(unit=m.unit)
        elif m.role == Role.LEAD_AGENCY:
            q |= Q(unit=m.target)
    return Participation.objects.filter(q).select_related("unit", "cycle")


# --- which stages' results a user may read ---------------------------------------------------

STATE_ORDER = tuple(Cycle.State.values)
_STAGE_OPEN_TO_ALL = {
    "self": Cycle.State.DRAFT,
    "r1": Cycle.State.EXPLANATION,
    "r2": Cycle.State.FINAL,
    "final": Cycle.State.FINAL,
}
_STAGE_OPEN_TO_STAFF = {
    "self": Cycle.State.DRAFT,
    "r1": Cycle.State.APPRAISAL,
    "r2": Cycle.State.APPRAISAL_2,
    "final": Cycle.State.FINAL,
}


def cycle_staff(user: Any, cycle: Cycle) -> bool:
    """The organiser's side of a cycle: admins, its managers and its council (appraisers)."""
    if is_admin(user):
        return True
    return any(
        m.role in (Role.MANAGER, Role.APPRAISER)
        and m.unit_id == cycle.organiser_id
        and _applies_to_cycle(m, cycle)
        for m in memberships(user)
    )


def stage_visible(cycle: Cycle, stage: str, *, staff: bool) -> bool:
    """Whether a stage's points may be shown: to everyone once the cycle has passed it
    (round 1 from the explanation, round 2 and final once final), to the council and the
    organiser (`staff`) while it runs. Unknown stages: False."""
    table = _STAGE_OPEN_TO_STAFF if staff else _STAGE_OPEN_TO_ALL
    if stage not in table:
        return False
    return STATE_ORDER.index(cycle.state) >= STATE_ORDER.index(table[stage])
